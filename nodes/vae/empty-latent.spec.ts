import { limitNote } from '../../src/core/limits';
import type { NodeSpec } from '../../src/core/node-spec';

/** Empty Latent as data (ports, params, docs) for the editor; its execute is in empty-latent.ts. */
export const emptyLatentSpec: NodeSpec = {
  type: 'latent.empty',
  typeVersion: 1,
  title: 'Empty Latent',
  category: 'latent',
  description: 'A blank latent of the given image size, shaped for the VAE (text-to-image).',
  inputs: [
    {
      name: 'vae',
      type: 'VAE',
      optional: true,
      description: "Optional: shapes the latent for this VAE's pack (without it: 4 channels, 1/8 size)",
    },
  ],
  outputs: [{ name: 'latent', type: 'LATENT' }],
  params: [
    { kind: 'int', name: 'width', label: 'Width', default: 128, min: 8, max: 4096, step: 8 },
    { kind: 'int', name: 'height', label: 'Height', default: 128, min: 8, max: 4096, step: 8 },
    { kind: 'int', name: 'batch_size', label: 'Batch', default: 1, min: 1, max: 16, step: 1 },
  ],
  // Everything downstream (U-Net calls, VAE decode) scales with batch x width x height: a budget.
  validate({ nodeId, params, limits }) {
    const pixels = Number(params.batch_size) * Number(params.width) * Number(params.height);
    if (pixels <= limits['batch-pixels']) return [];
    return [
      {
        code: 'over_limit',
        nodeId,
        param: 'batch_size',
        message: `batch ${String(params.batch_size)} x ${String(params.width)}x${String(params.height)} is ${pixels} pixels, more than the ${limits['batch-pixels']} allowed (${limitNote('batch-pixels', limits)})`,
      },
    ];
  },
};
