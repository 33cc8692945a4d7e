import type { NodeDefinition } from '../src/core/node-definition';
import type { RuntimeServices } from '../src/runtime/services';
import { imageInput } from './port-values';

/** Shows an image in the editor without writing a file. */
export const previewImageNode: NodeDefinition<RuntimeServices> = {
  type: 'image.preview',
  typeVersion: 1,
  title: 'Preview Image',
  category: 'output',
  description: 'Shows the image in the editor; writes no file.',
  isOutput: true,
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [],
  params: [],
  async execute({ nodeId, inputs }) {
    const image = imageInput(inputs, 'image');
    return { outputs: {}, artifacts: [{ kind: 'image', fileName: `preview-${nodeId}.png`, image }] };
  },
};
