import type { NodeSpec } from '../../src/core/node-spec';

/** Load Latent as data (ports, params, docs) for the editor; its execute is in load-latent.ts. */
export const loadLatentSpec: NodeSpec = {
  type: 'latent.load',
  typeVersion: 1,
  title: 'Load Latent',
  category: 'latent',
  description: 'Loads a latent from a ComfyUI .latent file (path, URL or data: URL).',
  inputs: [],
  outputs: [{ name: 'latent', type: 'LATENT' }],
  params: [
    {
      kind: 'string',
      name: 'latent',
      label: 'Latent file',
      default: '',
      description: '.latent file: a path (relative to the graph), an http(s) URL or a data: URL',
    },
  ],
};
