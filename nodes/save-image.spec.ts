import type { NodeSpec } from '../src/core/node-spec';

/** Save Image as data (ports, params, docs) for the editor; its execute is in save-image.ts. */
export const saveImageSpec: NodeSpec = {
  type: 'image.save',
  typeVersion: 1,
  title: 'Save Image',
  category: 'output',
  description: 'Saves the image as a PNG that embeds this graph.',
  isOutput: true,
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [],
  params: [
    {
      kind: 'string',
      name: 'filename_prefix',
      label: 'File name',
      default: 'kosmograph',
      description: 'File name without .png: letters, digits, _ - .',
    },
  ],
};
