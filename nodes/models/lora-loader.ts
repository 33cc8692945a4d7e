import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { LoraValue } from '../values';
import { namedComponent, packInput } from './pack-input';

export const loraLoaderNode: NodeDefinition<RuntimeServices> = {
  type: 'models.lora',
  typeVersion: 1,
  // Its value names this node in messages: cached per node, not shared with an identical node.
  usesNodeId: true,
  title: 'Load LoRA',
  category: 'models',
  description: "Picks one of the pack's LoRAs by name (e.g. pastel).",
  inputs: [{ name: 'pack', type: 'MODEL_PACK' }],
  outputs: [{ name: 'lora', type: 'LORA' }],
  params: [{ kind: 'string', name: 'name', label: 'LoRA', default: 'pastel' }],
  async execute({ inputs, params, nodeId }) {
    const pack = packInput(inputs, 'pack');
    const name = stringParam(params, 'name');
    const component = namedComponent(pack.models.components.loras, name, 'LoRA', pack);
    const lora: LoraValue = {
      kind: 'lora',
      source: 'pack',
      pack,
      name,
      component,
      sha256: component.sha256,
      nodeId,
    };
    return { outputs: { lora } };
  },
};
