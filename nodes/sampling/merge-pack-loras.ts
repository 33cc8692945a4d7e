import { type LoraTarget, parseLoraSafetensors } from '../../src/runtime/lora/lora-keys';
import { type LoraStackEntry, mergeLoraStack } from '../../src/runtime/lora/merge-lora';
import type { ExternalRangeReader } from '../../src/runtime/models/model-services';
import type { AppliedLora, LoraValue } from '../values';

/** `LoRA "pastel" (loras/pastel.safetensors)`, `LoRA "style.safetensors" (node "lora1")`: for messages. */
export function loraLabel(lora: LoraValue): string {
  const where = lora.source === 'pack' ? lora.component.file : undefined;
  const node = lora.nodeId !== undefined ? `node "${lora.nodeId}"` : undefined;
  const detail = [where, node].filter((x) => x !== undefined).join(', ');
  return `LoRA "${lora.name}"${detail ? ` (${detail})` : ''}`;
}

/** The safetensors bytes of a LoRA: a pack's file (sha256-checked by the pack) or the loaded file. */
export async function loraBytes(lora: LoraValue): Promise<Uint8Array> {
  return lora.source === 'pack' ? lora.pack.readFile(lora.component.file) : lora.bytes;
}

/**
 * Merges the LoRAs' modules for `target` (the U-Net or the text encoder) into the model bytes,
 * all in one pass (mergeLoraStack), using a pack LoRA's key map first and name matching for the
 * rest. Weights in external data: only the tensors the LoRAs change are read, through `external`.
 * A LoRA that matches nothing fails naming the LoRA, the count and the first unmatched modules;
 * so do a shape mismatch and a non-finite weight (naming the key).
 */
export async function mergeLoras(
  base: Uint8Array,
  loras: readonly AppliedLora[],
  target: LoraTarget,
  external?: ExternalRangeReader,
): Promise<Uint8Array> {
  const entries: LoraStackEntry[] = await Promise.all(
    loras.map(async ({ lora, strength }) => {
      const label = loraLabel(lora);
      const parsed = parseLoraSafetensors(await loraBytes(lora), { source: label, target });
      return {
        lora: parsed,
        strength,
        label,
        ...(lora.source === 'pack' && target === 'unet' ? { keyMap: lora.component.keyMap } : {}),
      };
    }),
  );
  const { model } = await mergeLoraStack(base, entries, {
    ...(external ? { readExternal: (r) => external(r.location, r.offset, r.length) } : {}),
  });
  return model;
}
