import type { NodeSpec } from '../../src/core/node-spec';

/** Load LoRA as data (ports, params, docs) for the editor; its execute is in lora-loader.ts. */
export const loraLoaderSpec: NodeSpec = {
  type: 'models.lora',
  typeVersion: 1,
  title: 'Load LoRA',
  category: 'models',
  description: "Picks one of the pack's LoRAs by name (e.g. pastel).",
  inputs: [{ name: 'pack', type: 'MODEL_PACK' }],
  outputs: [{ name: 'lora', type: 'LORA' }],
  params: [{ kind: 'string', name: 'name', label: 'LoRA', default: 'pastel' }],
};
