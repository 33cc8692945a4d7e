import type { NodeSpec } from '../../src/core/node-spec';

/** Apply LoRA as data (ports, params, docs) for the editor; its execute is in apply-lora.ts. */
export const applyLoraSpec: NodeSpec = {
  type: 'models.apply_lora',
  typeVersion: 1,
  title: 'Apply LoRA',
  category: 'models',
  description: 'Merges a LoRA into the U-Net at the given strength (0 leaves the U-Net unchanged).',
  inputs: [
    { name: 'unet', type: 'UNET' },
    { name: 'lora', type: 'LORA' },
  ],
  outputs: [{ name: 'unet', type: 'UNET' }],
  params: [{ kind: 'float', name: 'strength', label: 'Strength', default: 1, min: -2, max: 2, step: 0.05 }],
};
