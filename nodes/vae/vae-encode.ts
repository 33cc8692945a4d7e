import type { NodeDefinition } from '../../src/core/node-definition';
import { resizeCover, toChwFloat } from '../../src/runtime/image/transform';
import { withSession } from '../../src/runtime/models/model-services';
import { requireComponent } from '../../src/runtime/models/model-set';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { imageInput } from '../port-values';
import { firstOutputName, fixedImageSize, floatOutput, requireFloatInput } from '../tensor-inputs';
import { type LatentValue, valueInput } from '../values';
import { vaeEncodeSpec } from './vae-encode.spec';

/**
 * Encodes an image into scaled latents (for img2img). Images are resized
 * (cover + centre crop) to the encoder's fixed input size when it has one,
 * otherwise to the nearest multiple of the VAE factor.
 */
export const vaeEncodeNode: NodeDefinition<RuntimeServices> = {
  ...vaeEncodeSpec,
  async execute({ inputs, services }) {
    const { pack } = valueInput(inputs, 'vae', 'vae');
    const image = imageInput(inputs, 'image');
    const { vaeScalingFactor, vaeFactor } = pack.models.constants;
    const component = requireComponent(pack.models, 'vae_encoder');
    const latent = await withSession(
      services.models,
      { pack, name: 'vae_encoder', component },
      async (session) => {
        const input = session.inputs[0]?.name ?? 'sample';
        requireFloatInput(session, input, 4, 'a VAE encoder (image in, latents out)');
        const snap = (n: number) => Math.max(vaeFactor, Math.round(n / vaeFactor) * vaeFactor);
        const [h, w] = fixedImageSize(session, input) ?? [snap(image.height), snap(image.width)];
        const pixels = toChwFloat(resizeCover(image, w, h), { range: [-1, 1] });
        const outputs = await session.run({ [input]: float32Tensor(pixels, [1, 3, h, w]) });
        const name = session.outputs.some((o) => o.name === 'latent_sample')
          ? 'latent_sample'
          : firstOutputName(session);
        return floatOutput(session, outputs, name);
      },
    );
    const channels = pack.models.constants.latentChannels;
    const dims = latent.dims;
    // Encoders that export `latent_parameters` give mean and logvar: take the mean (the first half of channels).
    const data =
      dims[1] === 2 * channels
        ? latent.data.subarray(0, channels * (dims[2] ?? 0) * (dims[3] ?? 0))
        : latent.data;
    const samples = float32Tensor(
      Float32Array.from(data, (v) => v * vaeScalingFactor),
      [1, channels, dims[2] ?? 0, dims[3] ?? 0],
    );
    const value: LatentValue = { kind: 'latent', samples };
    return { outputs: { latent: value } };
  },
};
