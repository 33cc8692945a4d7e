import type { LoraTarget } from '../../src/runtime/lora/lora-keys';
import type { SessionRequest } from '../../src/runtime/models/model-services';
import { requireComponent } from '../../src/runtime/models/model-set';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { AppliedLora, ClipValue, UnetValue } from '../values';

/**
 * The pooled-session request for a model with LoRAs merged in: LoRAs at strength 0 are dropped
 * (so strength 0 is bit-identical to the base model) and the rest make a variant key (sha256 and
 * strength of each, in order), so each LoRA/strength combination is merged once, and a change to
 * one model's strengths leaves the other models' sessions where they are. `warn` hears, when the
 * merge happens (not when a pooled merge is reused), what a LoRA left out.
 */
function loraSessionRequest(
  pack: PackHandle,
  name: 'unet' | 'text_encoder',
  loras: readonly AppliedLora[],
  target: LoraTarget,
  warn?: (message: string) => void,
): SessionRequest {
  const component = requireComponent(pack.models, name);
  const active = loras.filter((l) => l.strength !== 0);
  if (active.length === 0) return { pack, name, component };
  return {
    pack,
    name,
    component,
    variant: active.map((l) => `${l.lora.sha256}@${l.strength}`).join('+'),
    transform: async (base, external, sink) => {
      const { mergeLoras } = await import('./merge-pack-loras');
      return mergeLoras(base, active, target, external, sink, warn);
    },
  };
}

/** The U-Net with its LoRAs (Apply LoRA, LoRA Loader's strength_model). */
export function unetSessionRequest(unet: UnetValue, warn?: (message: string) => void): SessionRequest {
  return loraSessionRequest(unet.pack, 'unet', unet.loras, 'unet', warn);
}

/** The CLIP text encoder with its LoRAs (LoRA Loader's strength_clip). */
export function clipSessionRequest(clip: ClipValue, warn?: (message: string) => void): SessionRequest {
  return loraSessionRequest(clip.pack, 'text_encoder', clip.loras ?? [], 'text_encoder', warn);
}
