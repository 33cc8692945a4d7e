import type { NodeSpec } from '../../src/core/node-spec';

/** VAE Decode as data (ports, params, docs) for the editor; its execute is in vae-decode.ts. */
export const vaeDecodeSpec: NodeSpec = {
  type: 'latent.vae_decode',
  typeVersion: 1,
  title: 'VAE Decode',
  category: 'latent',
  description: 'Decodes latents into an image with the VAE decoder (the first image of a batch).',
  inputs: [
    { name: 'vae', type: 'VAE' },
    { name: 'latent', type: 'LATENT' },
  ],
  outputs: [{ name: 'image', type: 'IMAGE' }],
  params: [],
};
