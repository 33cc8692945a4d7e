import type { SessionRequest } from '../../src/runtime/models/model-services';
import { requireComponent } from '../../src/runtime/models/model-set';
import type { UnetValue } from '../values';

/**
 * The pooled-session request for a U-Net with its LoRAs: LoRAs at strength 0
 * are dropped (so strength 0 is bit-identical to the base model) and the rest
 * make a variant key, so each LoRA/strength combination is merged once.
 */
export function unetSessionRequest(unet: UnetValue): SessionRequest {
  const { pack } = unet;
  const component = requireComponent(pack.models, 'unet');
  const active = unet.loras.filter((l) => l.strength !== 0);
  if (active.length === 0) return { pack, name: 'unet', component };
  return {
    pack,
    name: 'unet',
    component,
    variant: active.map((l) => `${l.lora.component.sha256}@${l.strength}`).join('+'),
    transform: async (base, external) => {
      const { mergePackLoras } = await import('./merge-pack-loras');
      return mergePackLoras(base, active, external);
    },
  };
}
