import type { NodeDefinition } from '../src/core/node-definition';
import { canny } from '../src/runtime/image/canny';
import type { RuntimeServices } from '../src/runtime/services';
import { imageInput, numberParam } from './port-values';

/** Canny edge detection: white edges on black, the control image a canny ControlNet expects. */
export const cannyNode: NodeDefinition<RuntimeServices> = {
  type: 'image.canny',
  typeVersion: 1,
  title: 'Canny Edges',
  category: 'image',
  description: 'Finds edges with the Canny detector (white edges on black), e.g. for a canny ControlNet.',
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [{ name: 'image', type: 'IMAGE' }],
  params: [
    { kind: 'int', name: 'low_threshold', label: 'Low threshold', default: 100, min: 0, max: 255, step: 1 },
    { kind: 'int', name: 'high_threshold', label: 'High threshold', default: 200, min: 0, max: 255, step: 1 },
  ],
  async execute({ inputs, params }) {
    const low = numberParam(params, 'low_threshold');
    const high = numberParam(params, 'high_threshold');
    if (low > high) throw new Error(`low threshold (${low}) must not exceed high threshold (${high})`);
    return {
      outputs: { image: canny(imageInput(inputs, 'image'), { lowThreshold: low, highThreshold: high }) },
    };
  },
};
