import type { RasterImage } from '../../src/core/image';
import type { NodeDefinition } from '../../src/core/node-definition';
import { resizeCover, toChwFloat } from '../../src/runtime/image/transform';
import { withSession } from '../../src/runtime/models/model-services';
import { requireComponent, requireKosmosConstants } from '../../src/runtime/models/model-set';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import { packTokenizer } from '../../src/runtime/models/pack-tokenizer';
import { interleavedIds } from '../../src/runtime/models/prompt-ids';
import { float32Tensor, type TensorData } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import { floatOutput, idsTensor } from '../tensor-inputs';
import { type HiddenStates, type MllmHiddenValue, valueInput } from '../values';
import { resizeShorterBicubicCenterCrop } from './clip-bicubic';
import { mllmEncodeSpec } from './mllm-encode.spec';

/** Runs the vision tower + connector over the prompt's images: [N, tokens, D]. */
async function imageEmbeds(
  services: RuntimeServices,
  pack: PackHandle,
  images: readonly RasterImage[],
): Promise<TensorData<'float32'>> {
  const { vision, imageTokensPerImage, mllmHiddenSize } = requireKosmosConstants(pack.models, 'MLLM Encode');
  if (images.length === 0)
    return float32Tensor(new Float32Array(0), [0, imageTokensPerImage, mllmHiddenSize]);
  const size = vision.inputSize;
  const pixels = new Float32Array(images.length * 3 * size * size);
  images.forEach((image, i) => {
    const square =
      vision.resize === 'bicubic'
        ? resizeShorterBicubicCenterCrop(image, size)
        : resizeCover(image, size, size);
    const chw = toChwFloat(square, {
      range: [0, 1],
      mean: vision.mean,
      std: vision.std,
    });
    pixels.set(chw, i * chw.length);
  });
  const component = requireComponent(pack.models, 'vision');
  return withSession(services.models, { pack, name: 'vision', component }, async (session) => {
    const input = session.inputs[0]?.name ?? 'pixel_values';
    const outputs = await session.run({ [input]: float32Tensor(pixels, [images.length, 3, size, size]) });
    return floatOutput(session, outputs, session.outputs[0]?.name ?? 'image_embeds');
  });
}

async function hiddenStates(
  services: RuntimeServices,
  pack: PackHandle,
  text: string,
  images: readonly RasterImage[],
): Promise<HiddenStates> {
  const constants = requireKosmosConstants(pack.models, 'MLLM Encode');
  const tokenizer = await packTokenizer(pack);
  const encoding = interleavedIds((t) => tokenizer.encode(t), text, {
    imageTokens: constants.imageTokensPerImage,
    special: constants.specialTokens,
    marker: constants.imageMarker,
    imageCount: images.length,
  });
  const embeds = await imageEmbeds(services, pack, images);
  const length = encoding.inputIds.length;
  const component = requireComponent(pack.models, 'mllm');
  const hidden = await withSession(services.models, { pack, name: 'mllm', component }, async (session) => {
    const outputs = await session.run({
      input_ids: idsTensor(session, 'input_ids', encoding.inputIds, [1, length]),
      image_embeds: embeds,
      image_mask: idsTensor(session, 'image_mask', encoding.imageMask, [1, length]),
    });
    return floatOutput(session, outputs, 'last_hidden_state');
  });
  return {
    hidden,
    paddingMask: { type: 'int64', dims: [1, length], data: new BigInt64Array(length).fill(1n) },
  };
}

/**
 * Kosmos-G's multimodal encoder: the vision tower reads each image into image
 * tokens, and the MLLM reads the interleaved sequence. Also encodes the
 * unconditional input (`<s>` + the negative text) for classifier-free guidance.
 */
export const mllmEncodeNode: NodeDefinition<RuntimeServices> = {
  ...mllmEncodeSpec,
  async execute({ inputs, params, services }) {
    const { pack } = valueInput(inputs, 'mllm', 'mllm');
    const prompt = valueInput(inputs, 'prompt', 'prompt');
    const positive = await hiddenStates(services, pack, prompt.text, prompt.images);
    const negative = await hiddenStates(services, pack, stringParam(params, 'negative'), []);
    const hidden: MllmHiddenValue = { kind: 'mllm_hidden', positive, negative };
    return { outputs: { hidden } };
  },
};
