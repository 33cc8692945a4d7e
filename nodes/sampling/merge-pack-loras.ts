import { parseLoraSafetensors } from '../../src/runtime/lora/lora-keys';
import { mergeLora } from '../../src/runtime/lora/merge-lora';
import type { AppliedLora } from '../values';

/**
 * Merges each LoRA into the U-Net bytes in turn, using the pack's key map
 * first and name matching for the rest. Unmatched keys are reported in the
 * error when nothing matched (mergeLora throws then).
 */
export async function mergePackLoras(base: Uint8Array, loras: readonly AppliedLora[]): Promise<Uint8Array> {
  let model = base;
  for (const { lora, strength } of loras) {
    const source = `LoRA "${lora.name}" (${lora.component.file})`;
    const parsed = parseLoraSafetensors(await lora.pack.readFile(lora.component.file), { source });
    try {
      model = mergeLora(model, parsed, strength, { keyMap: lora.component.keyMap }).model;
    } catch (error) {
      throw new Error(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return model;
}
