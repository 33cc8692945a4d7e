import type { NodeDefinition } from '../src/core/node-definition';
import type { RuntimeServices } from '../src/runtime/services';
import { imageInput } from './port-values';
import { previewImageSpec } from './preview-image.spec';

/** Shows an image in the editor without writing a file. */
export const previewImageNode: NodeDefinition<RuntimeServices> = {
  ...previewImageSpec,
  async execute({ nodeId, inputs }) {
    const image = imageInput(inputs, 'image');
    return { outputs: {}, artifacts: [{ kind: 'image', fileName: `preview-${nodeId}.png`, image }] };
  },
};
