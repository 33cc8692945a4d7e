import type { NodeSpec } from '../src/core/node-spec';

/** Preview Image as data (ports, params, docs) for the editor; its execute is in preview-image.ts. */
export const previewImageSpec: NodeSpec = {
  type: 'image.preview',
  typeVersion: 1,
  title: 'Preview Image',
  category: 'output',
  description: 'Shows the image in the editor; writes no file.',
  isOutput: true,
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [],
  params: [],
};
