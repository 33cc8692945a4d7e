import { limitNote } from '../../src/core/limits';
import type { NodeDefinition } from '../../src/core/node-definition';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { numberParam } from '../port-values';
import { type LatentValue, optionalValueInput } from '../values';

/** Stable Diffusion 1.x's latent layout (ComfyUI's EmptyLatentImage assumes it too). */
export const SD1_LATENT = { latentChannels: 4, vaeFactor: 8 } as const;

/**
 * A blank latent for text-to-image. With a VAE wired in, its channel count
 * and downscale factor come from the VAE's pack, so it fits whatever model
 * pack is in use; without one (as in ComfyUI) it takes SD1.x's layout: 4
 * channels, 1/8 of the image size. Graphs that wire a VAE keep working.
 */
export const emptyLatentNode: NodeDefinition<RuntimeServices> = {
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
  async execute({ inputs, params }) {
    const vae = optionalValueInput(inputs, 'vae', 'vae');
    const { latentChannels, vaeFactor } = vae ? vae.pack.models.constants : SD1_LATENT;
    const width = numberParam(params, 'width');
    const height = numberParam(params, 'height');
    const batch = numberParam(params, 'batch_size');
    if (width % vaeFactor !== 0 || height % vaeFactor !== 0) {
      throw new Error(
        `width and height must be multiples of ${vaeFactor}${vae ? ' for this VAE' : ''} (got ${width}x${height})`,
      );
    }
    const dims = [batch, latentChannels, height / vaeFactor, width / vaeFactor];
    const latent: LatentValue = {
      kind: 'latent',
      samples: float32Tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims),
    };
    return { outputs: { latent } };
  },
};
