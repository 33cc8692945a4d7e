import type { NodeSpec } from '../../src/core/node-spec';

/** Apply ControlNet as data (ports, params, docs) for the editor; its execute is in apply-controlnet.ts. */
export const applyControlnetSpec: NodeSpec = {
  type: 'conditioning.apply_controlnet',
  typeVersion: 1,
  title: 'Apply ControlNet',
  category: 'conditioning',
  description: 'Guides sampling with a ControlNet and a control image (e.g. Canny edges).',
  inputs: [
    { name: 'positive', type: 'CONDITIONING' },
    { name: 'negative', type: 'CONDITIONING' },
    { name: 'controlnet', type: 'CONTROLNET' },
    { name: 'image', type: 'IMAGE' },
  ],
  outputs: [
    { name: 'positive', type: 'CONDITIONING' },
    { name: 'negative', type: 'CONDITIONING' },
  ],
  params: [
    { kind: 'float', name: 'strength', label: 'Strength', default: 1, min: 0, max: 2, step: 0.05 },
    { kind: 'float', name: 'start', label: 'Start', default: 0, min: 0, max: 1, step: 0.01 },
    { kind: 'float', name: 'end', label: 'End', default: 1, min: 0, max: 1, step: 0.01 },
  ],
};
