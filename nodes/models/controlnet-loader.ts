import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { ControlnetValue } from '../values';
import { namedComponent, packInput } from './pack-input';

export const controlnetLoaderNode: NodeDefinition<RuntimeServices> = {
  type: 'models.controlnet',
  typeVersion: 1,
  title: 'Load ControlNet',
  category: 'models',
  description: "Picks one of the pack's ControlNets by name (e.g. canny).",
  inputs: [{ name: 'pack', type: 'MODEL_PACK' }],
  outputs: [{ name: 'controlnet', type: 'CONTROLNET' }],
  params: [{ kind: 'string', name: 'name', label: 'ControlNet', default: 'canny' }],
  async execute({ inputs, params, nodeId }) {
    const pack = packInput(inputs, 'pack');
    const name = stringParam(params, 'name');
    const component = namedComponent(pack.models.components.controlnet, name, 'ControlNet', pack);
    const controlnet: ControlnetValue = { kind: 'controlnet', nodeId, pack, name, component };
    return { outputs: { controlnet } };
  },
};
