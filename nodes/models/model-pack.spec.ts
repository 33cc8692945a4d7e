import type { NodeSpec } from '../../src/core/node-spec';
import { PACK_PARAM } from './pack-param.spec';

/** Model Pack as data (ports, params, docs) for the editor; its execute is in model-pack.ts. */
export const modelPackSpec: NodeSpec = {
  type: 'models.pack',
  typeVersion: 1,
  title: 'Model Pack',
  category: 'models',
  description:
    'Opens a model pack: "reference" (the built-in shapes world), a folder, or a URL with manifest.json.',
  inputs: [],
  outputs: [
    { name: 'unet', type: 'UNET' },
    { name: 'vae', type: 'VAE' },
    { name: 'clip', type: 'CLIP' },
    { name: 'mllm', type: 'MLLM' },
    { name: 'aligner', type: 'ALIGNER' },
    { name: 'pack', type: 'MODEL_PACK' },
  ],
  params: [PACK_PARAM],
};
