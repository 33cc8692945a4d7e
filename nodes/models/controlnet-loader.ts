import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { ControlnetValue } from '../values';
import { controlnetLoaderSpec } from './controlnet-loader.spec';
import { namedComponent, packInput } from './pack-input';

/**
 * A ControlNet: one of a pack's by name, or a ControlNet folder (`kosmograph-export controlnet`'s
 * model.onnx + config.json, e.g. from lllyasviel/control_v11p_sd15_canny) named by `folder`.
 */
export const controlnetLoaderNode: NodeDefinition<RuntimeServices> = {
  ...controlnetLoaderSpec,
  // Its value names this node in messages: cached per node, not shared with an identical node.
  usesNodeId: true,
  async cacheSalt(params, services, signal) {
    const folder = stringParam(params, 'folder');
    return folder === '' ? '' : (await services.models.openPack(folder, signal)).id;
  },
  async execute({ inputs, params, nodeId, services, signal }) {
    const folder = stringParam(params, 'folder');
    if (folder !== '') {
      const pack = await services.models.openPack(folder, signal);
      const [entry] = Object.entries(pack.models.components.controlnet);
      if (!entry)
        throw new Error(
          `param "folder": ${folder} is a ${pack.models.layout} source, not a ControlNet folder`,
        );
      const [name, component] = entry;
      const controlnet: ControlnetValue = { kind: 'controlnet', nodeId, pack, name, component };
      return { outputs: { controlnet } };
    }
    if (inputs.pack === undefined)
      throw new Error('connect a model pack to input "pack", or name a ControlNet folder in param "folder"');
    const pack = packInput(inputs, 'pack');
    const name = stringParam(params, 'name');
    const component = namedComponent(pack.models.components.controlnet, name, 'ControlNet', pack);
    const controlnet: ControlnetValue = { kind: 'controlnet', nodeId, pack, name, component };
    return { outputs: { controlnet } };
  },
};
