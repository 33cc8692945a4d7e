import type { NodeDefinition } from '../../src/core/node-definition';
import { fromChwFloat } from '../../src/runtime/image/transform';
import { withSession } from '../../src/runtime/models/model-services';
import { requireComponent } from '../../src/runtime/models/model-set';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { firstOutputName, floatOutput, requireFloatInput } from '../tensor-inputs';
import { valueInput } from '../values';
import { vaeDecodeSpec } from './vae-decode.spec';

/** Decodes latents to an image: divides by the VAE scaling factor, decodes, maps [-1,1] to pixels. */
export const vaeDecodeNode: NodeDefinition<RuntimeServices> = {
  ...vaeDecodeSpec,
  async execute({ inputs, services }) {
    const { pack } = valueInput(inputs, 'vae', 'vae');
    const { samples } = valueInput(inputs, 'latent', 'latent');
    const { vaeScalingFactor, latentChannels } = pack.models.constants;
    const [, channels, h, w] = samples.dims;
    if (channels !== latentChannels || h === undefined || w === undefined) {
      throw new Error(
        `latent has shape [${samples.dims.join(', ')}]; this VAE decodes ${latentChannels}-channel latents`,
      );
    }
    const first = samples.data.subarray(0, channels * h * w);
    const unscaled = Float32Array.from(first, (v) => v / vaeScalingFactor);
    const component = requireComponent(pack.models, 'vae_decoder');
    const decoded = await withSession(
      services.models,
      { pack, name: 'vae_decoder', component },
      async (session) => {
        const input = session.inputs[0]?.name ?? 'latent_sample';
        requireFloatInput(session, input, 4, 'a VAE decoder (latents in, image out)');
        const outputs = await session.run({ [input]: float32Tensor(unscaled, [1, channels, h, w]) });
        return floatOutput(
          session,
          outputs,
          session.outputs.some((o) => o.name === 'sample') ? 'sample' : firstOutputName(session),
        );
      },
    );
    const [, , height, width] = decoded.dims;
    if (height === undefined || width === undefined)
      throw new Error(`VAE decoder output has shape [${decoded.dims.join(', ')}]`);
    return { outputs: { image: fromChwFloat(decoded.data, width, height, [-1, 1]) } };
  },
};
