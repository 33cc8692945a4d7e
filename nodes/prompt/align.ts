import type { NodeDefinition } from '../../src/core/node-definition';
import { withSession } from '../../src/runtime/models/model-services';
import { requireComponent } from '../../src/runtime/models/model-set';
import type { RuntimeServices } from '../../src/runtime/services';
import { packOfFact } from '../sampling/latent-fit';
import { floatOutput } from '../tensor-inputs';
import { type ConditioningValue, type HiddenStates, valueInput } from '../values';
import { alignSpec } from './align.spec';
import type { ConditioningWidthFact } from './conditioning-width-fact';

/** AlignerNet: maps MLLM hidden states into the U-Net's CLIP text space ([1, 77, C]). */
export const alignNode: NodeDefinition<RuntimeServices> = {
  ...alignSpec,
  // The aligner's output width, declared for the sampler's check against its U-Net (no session).
  preflight({ inputs, nodeId }) {
    const pack = packOfFact(inputs.aligner);
    const width = pack?.models.kosmos?.conditioningWidth;
    if (!pack || width === undefined) return {};
    const fact: ConditioningWidthFact = {
      kind: 'conditioning-width',
      width,
      nodeId,
      title: 'Align (AlignerNet)',
      model: `the aligner of ${pack.models.name}`,
    };
    return { outputs: { positive: fact, negative: fact } };
  },
  async execute({ inputs, services, nodeId }) {
    const { pack } = valueInput(inputs, 'aligner', 'aligner');
    const hidden = valueInput(inputs, 'hidden', 'mllm_hidden');
    const component = requireComponent(pack.models, 'aligner');
    const [positive, negative] = await withSession(
      services.models,
      { pack, name: 'aligner', component },
      async (session) => {
        const align = async (states: HiddenStates): Promise<ConditioningValue> => {
          const outputs = await session.run({
            hidden_states: states.hidden,
            padding_mask: states.paddingMask,
          });
          return {
            kind: 'conditioning',
            embeds: floatOutput(session, outputs, 'conditioning'),
            controls: [],
            source: { nodeId, title: 'Align (AlignerNet)' },
          };
        };
        return [await align(hidden.positive), await align(hidden.negative)];
      },
    );
    return { outputs: { positive, negative } };
  },
};
