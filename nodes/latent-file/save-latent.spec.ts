import type { NodeSpec } from '../../src/core/node-spec';

/** Save Latent as data (ports, params, docs) for the editor; its execute is in save-latent.ts. */
export const saveLatentSpec: NodeSpec = {
  type: 'latent.save',
  typeVersion: 1,
  title: 'Save Latent',
  category: 'output',
  description: 'Saves the latent as a ComfyUI-compatible .latent file that embeds this graph.',
  isOutput: true,
  inputs: [{ name: 'latent', type: 'LATENT' }],
  outputs: [],
  params: [
    {
      kind: 'string',
      name: 'filename_prefix',
      label: 'File name',
      default: 'kosmograph',
      description: 'File name without .latent: letters, digits, _ - .',
    },
  ],
};
