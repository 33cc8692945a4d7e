import type { NodeSpec } from '../src/core/node-spec';

/** Load Image as data (ports, params, docs) for the editor; its execute is in image-load.ts. */
export const imageLoadSpec: NodeSpec = {
  type: 'image.load',
  typeVersion: 1,
  title: 'Load Image',
  category: 'image',
  description: 'Loads a PNG or JPEG image from a file, a URL or a dropped file.',
  inputs: [],
  outputs: [{ name: 'image', type: 'IMAGE' }],
  params: [
    {
      kind: 'image',
      name: 'image',
      label: 'Image',
      default: '',
      description: 'Path, http(s) URL or data: URL',
    },
  ],
};
