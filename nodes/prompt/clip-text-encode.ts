import type { NodeDefinition } from '../../src/core/node-definition';
import { withSession } from '../../src/runtime/models/model-services';
import { packTokenizer } from '../../src/runtime/models/pack-tokenizer';
import type { RuntimeServices } from '../../src/runtime/services';
import { clipInputIds } from '../../src/runtime/tokenizers/clip-ids';
import { stringParam } from '../port-values';
import { clipSessionRequest } from '../sampling/unet-model';
import { firstOutputName, floatOutput, idsTensor } from '../tensor-inputs';
import { type ClipValue, type ConditioningValue, valueInput } from '../values';
import { clipTextEncodeSpec } from './clip-text-encode.spec';

async function encode(
  services: RuntimeServices,
  clip: ClipValue,
  texts: readonly string[],
  warn?: (message: string) => void,
): Promise<ConditioningValue[]> {
  const { pack } = clip;
  const tokenizer = await packTokenizer(pack);
  const { specialTokens, conditioningLength } = pack.models.constants;
  // With LoRAs (LoRA Loader's strength_clip) the text encoder is a pooled variant with them merged in.
  return withSession(services.models, clipSessionRequest(clip, warn), async (session) => {
    const input = session.inputs[0]?.name ?? 'input_ids';
    const length =
      typeof session.inputs[0]?.shape[1] === 'number'
        ? (session.inputs[0].shape[1] as number)
        : conditioningLength;
    const results: ConditioningValue[] = [];
    for (const text of texts) {
      const ids = clipInputIds(tokenizer, text, {
        length,
        bos: specialTokens.bos,
        eos: specialTokens.eos,
        pad: specialTokens.pad,
      });
      const outputs = await session.run({ [input]: idsTensor(session, input, ids, [1, length]) });
      const name = session.outputs.some((o) => o.name === 'last_hidden_state')
        ? 'last_hidden_state'
        : firstOutputName(session);
      results.push({ kind: 'conditioning', embeds: floatOutput(session, outputs, name), controls: [] });
    }
    return results;
  });
}

/** The Stable Diffusion 1.5 baseline: CLIP text encoder for the prompt and the negative prompt. */
export const clipTextEncodeNode: NodeDefinition<RuntimeServices> = {
  ...clipTextEncodeSpec,
  async execute({ inputs, params, services, warn }) {
    const clip = valueInput(inputs, 'clip', 'clip');
    const [positive, negative] = await encode(
      services,
      clip,
      [stringParam(params, 'text'), stringParam(params, 'negative')],
      warn,
    );
    return { outputs: { positive, negative } };
  },
};
