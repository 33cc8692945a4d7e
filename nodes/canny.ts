import type { NodeDefinition } from '../src/core/node-definition';
import { canny } from '../src/runtime/image/canny';
import type { RuntimeServices } from '../src/runtime/services';
import { cannySpec } from './canny.spec';
import { imageInput, numberParam } from './port-values';

/** Canny edge detection: white edges on black, the control image a canny ControlNet expects. */
export const cannyNode: NodeDefinition<RuntimeServices> = {
  ...cannySpec,
  async execute({ inputs, params }) {
    const low = numberParam(params, 'low_threshold');
    const high = numberParam(params, 'high_threshold');
    if (low > high) throw new Error(`low threshold (${low}) must not exceed high threshold (${high})`);
    return {
      outputs: { image: canny(imageInput(inputs, 'image'), { lowThreshold: low, highThreshold: high }) },
    };
  },
};
