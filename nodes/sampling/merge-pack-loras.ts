import { parseLoraSafetensors } from '../../src/runtime/lora/lora-keys';
import { externalLoraTargets, mergeLora } from '../../src/runtime/lora/merge-lora';
import type { ExternalRangeReader } from '../../src/runtime/models/model-services';
import type { AppliedLora } from '../values';

/**
 * Merges each LoRA into the U-Net bytes in turn, using the pack's key map
 * first and name matching for the rest. Unmatched keys are reported in the
 * error when nothing matched (mergeLora throws then).
 */
export async function mergePackLoras(
  base: Uint8Array,
  loras: readonly AppliedLora[],
  external?: ExternalRangeReader,
): Promise<Uint8Array> {
  let model = base;
  for (const { lora, strength } of loras) {
    const source = `LoRA "${lora.name}" (${lora.component.file})`;
    const parsed = parseLoraSafetensors(await lora.pack.readFile(lora.component.file), { source });
    try {
      const options = { keyMap: lora.component.keyMap };
      // Weights in external data: read only the tensors this LoRA changes.
      const refs = external && strength !== 0 ? externalLoraTargets(model, parsed, options) : [];
      const externalBytes = new Map(
        await Promise.all(
          refs.map(async (r) => [r.initializer, await external!(r.location, r.offset, r.length)] as const),
        ),
      );
      model = mergeLora(model, parsed, strength, { ...options, externalBytes }).model;
    } catch (error) {
      throw new Error(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return model;
}
