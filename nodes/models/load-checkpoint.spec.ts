import type { NodeSpec } from '../../src/core/node-spec';

/** Load Checkpoint as data (ports, params, docs) for the editor; its execute is in load-checkpoint.ts. */
export const loadCheckpointSpec: NodeSpec = {
  type: 'models.checkpoint',
  typeVersion: 1,
  title: 'Load Checkpoint',
  category: 'models',
  description:
    'Opens a Stable Diffusion 1.5 ONNX checkpoint folder (diffusers or optimum layout) and hands out its U-Net, CLIP and VAE.',
  inputs: [],
  outputs: [
    { name: 'unet', type: 'UNET' },
    { name: 'clip', type: 'CLIP' },
    { name: 'vae', type: 'VAE' },
  ],
  params: [
    {
      kind: 'string',
      name: 'checkpoint',
      label: 'Checkpoint',
      default: 'reference',
      description: 'a folder with model_index.json (or a URL to it); "reference" is the built-in pack',
    },
  ],
};
