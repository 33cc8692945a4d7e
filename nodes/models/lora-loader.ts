import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { LoraValue } from '../values';
import { loraLoaderSpec } from './lora-loader.spec';
import { namedComponent, packInput } from './pack-input';

export const loraLoaderNode: NodeDefinition<RuntimeServices> = {
  ...loraLoaderSpec,
  // Its value names this node in messages: cached per node, not shared with an identical node.
  usesNodeId: true,
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
