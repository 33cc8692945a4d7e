import type { NodeDefinition } from '../../src/core/node-definition';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { numberParam } from '../port-values';
import { type LatentSizeFact, packOfFact } from '../sampling/latent-fit';
import { type LatentValue, optionalValueInput } from '../values';
import { emptyLatentSpec } from './empty-latent.spec';

/** Stable Diffusion 1.x's latent layout (ComfyUI's EmptyLatentImage assumes it too). */
export const SD1_LATENT = { latentChannels: 4, vaeFactor: 8 } as const;

/**
 * A blank latent for text-to-image. With a VAE wired in, its channel count
 * and downscale factor come from the VAE's pack, so it fits whatever model
 * pack is in use; without one (as in ComfyUI) it takes SD1.x's layout: 4
 * channels, 1/8 of the image size. Graphs that wire a VAE keep working.
 */
export const emptyLatentNode: NodeDefinition<RuntimeServices> = {
  ...emptyLatentSpec,
  // Declares the latent's size (and the params it comes from) for the sampler's check against its U-Net.
  preflight({ nodeId, params, inputs, connected }) {
    const vae = packOfFact(inputs.vae);
    if (!vae && connected.has('vae')) return {}; // a VAE whose pack did not open: known only at run time
    const { latentChannels, vaeFactor } = vae ? vae.models.constants : SD1_LATENT;
    const width = numberParam(params, 'width');
    const height = numberParam(params, 'height');
    const issues = (['width', 'height'] as const)
      .filter((param) => numberParam(params, param) % vaeFactor !== 0)
      .map((param) => ({
        code: 'node_rule' as const,
        nodeId,
        param,
        message: `${param} ${numberParam(params, param)} is not a multiple of ${vaeFactor}${vae ? `, the VAE factor of ${vae.models.name}` : ''}`,
      }));
    const latent: LatentSizeFact = {
      kind: 'latent-size',
      nodeId,
      title: emptyLatentSpec.title,
      width,
      height,
      vaeFactor,
      channels: latentChannels,
      fromVae: vae !== undefined,
    };
    return { outputs: { latent }, issues };
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
