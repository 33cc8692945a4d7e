import type { NodeSpec } from '../../src/core/node-spec';

/** LoRA Loader as data (ports, params, docs) for the editor; its execute is in lora-file.ts. */
export const loraFileSpec: NodeSpec = {
  type: 'models.lora_file',
  typeVersion: 1,
  title: 'LoRA Loader',
  category: 'models',
  description:
    'Applies a LoRA .safetensors file (kohya or diffusers/PEFT) to the U-Net and the CLIP text encoder, each at its own strength.',
  inputs: [
    { name: 'unet', type: 'UNET' },
    {
      name: 'clip',
      type: 'CLIP',
      optional: true,
      description: 'connect it to apply the LoRA to the text encoder too',
    },
  ],
  outputs: [
    { name: 'unet', type: 'UNET' },
    { name: 'clip', type: 'CLIP', description: 'empty when the clip input is not connected' },
  ],
  params: [
    {
      kind: 'string',
      name: 'lora',
      label: 'LoRA file',
      default: '',
      description: '.safetensors file: a path (relative to the graph), an http(s) URL or a data: URL',
    },
    {
      kind: 'float',
      name: 'strength_model',
      label: 'U-Net strength',
      default: 1,
      min: -4,
      max: 4,
      step: 0.05,
    },
    {
      kind: 'float',
      name: 'strength_clip',
      label: 'CLIP strength',
      default: 1,
      min: -4,
      max: 4,
      step: 0.05,
    },
  ],
};
