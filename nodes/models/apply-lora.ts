import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { numberParam } from '../port-values';
import { type UnetValue, valueInput } from '../values';
import { applyLoraSpec } from './apply-lora.spec';

/**
 * Applies a LoRA to the U-Net at a strength. The merge (W + s·(alpha/rank)·up·down)
 * happens when the sampler loads the U-Net, keyed by the LoRAs and strengths,
 * so the merged model is pooled like any other.
 */
export const applyLoraNode: NodeDefinition<RuntimeServices> = {
  ...applyLoraSpec,
  async execute({ inputs, params }) {
    const unet = valueInput(inputs, 'unet', 'unet');
    const lora = valueInput(inputs, 'lora', 'lora');
    if (lora.source === 'pack' && lora.pack.id !== unet.pack.id) {
      throw new Error(
        `the LoRA "${lora.name}" comes from pack ${lora.pack.models.name}, the U-Net from ${unet.pack.models.name}`,
      );
    }
    const strength = numberParam(params, 'strength');
    const merged: UnetValue = { ...unet, loras: [...unet.loras, { lora, strength }] };
    return { outputs: { unet: merged } };
  },
};
