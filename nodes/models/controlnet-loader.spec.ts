import type { NodeSpec } from '../../src/core/node-spec';

/** Load ControlNet as data (ports, params, docs) for the editor; its execute is in controlnet-loader.ts. */
export const controlnetLoaderSpec: NodeSpec = {
  type: 'models.controlnet',
  typeVersion: 1,
  title: 'Load ControlNet',
  category: 'models',
  description: "Picks one of the pack's ControlNets by name (e.g. canny), or opens a ControlNet folder.",
  inputs: [{ name: 'pack', type: 'MODEL_PACK', optional: true }],
  outputs: [{ name: 'controlnet', type: 'CONTROLNET' }],
  params: [
    { kind: 'string', name: 'name', label: 'ControlNet', default: 'canny' },
    {
      kind: 'string',
      name: 'folder',
      label: 'Folder',
      default: '',
      description: 'a ControlNet folder (model.onnx + config.json); empty: the pack input',
    },
  ],
};
