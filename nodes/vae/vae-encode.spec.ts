import type { NodeSpec } from '../../src/core/node-spec';

/** VAE Encode as data (ports, params, docs) for the editor; its execute is in vae-encode.ts. */
export const vaeEncodeSpec: NodeSpec = {
  type: 'latent.vae_encode',
  typeVersion: 1,
  title: 'VAE Encode',
  category: 'latent',
  description: 'Encodes an image into latents with the VAE encoder (for image-to-image).',
  inputs: [
    { name: 'vae', type: 'VAE' },
    { name: 'image', type: 'IMAGE' },
  ],
  outputs: [{ name: 'latent', type: 'LATENT' }],
  params: [],
};
