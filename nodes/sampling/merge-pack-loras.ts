import {
  type LoraTarget,
  loraTargetLabel,
  type ParsedLora,
  parseLoraSafetensors,
} from '../../src/runtime/lora/lora-keys';
import {
  type ExternalTensorSink,
  type LoraMergeResult,
  type LoraStackEntry,
  mergeLoraStack,
} from '../../src/runtime/lora/merge-lora';
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
 * What a merge left out of one LoRA, as one line for the user (null when every module of `target`
 * was applied): modules that matched no weight, and modules skipped for a reason of their own
 * (an unsupported format such as LoHa, an incomplete pair, an unrecognised key). The other
 * model's modules are not mentioned (they go to the other model); parse-level skips are told once,
 * with the U-Net.
 */
export function loraLeftOutWarning(
  label: string,
  parsed: ParsedLora,
  report: Omit<LoraMergeResult, 'model'>,
  target: LoraTarget,
): string | null {
  const parseSkipped = new Set(parsed.skipped.map((m) => m.name));
  const ownSkips = parsed.skipped.filter((m) => m.component === undefined).map((m) => m.name);
  const mergeSkips = report.skipped.filter((n) => !parseSkipped.has(n) && report.reasons[n] !== 'strength 0');
  const left = [...report.unmatched, ...mergeSkips, ...(target === 'unet' ? ownSkips : [])];
  if (left.length === 0) return null;
  const total = parsed.modules.length + (target === 'unet' ? ownSkips.length : 0);
  const shown = left
    .slice(0, 3)
    .map(
      (n) => `${n} (${report.reasons[n] ?? parsed.skipped.find((m) => m.name === n)?.reason ?? 'no target'})`,
    )
    .join('; ');
  return (
    `${label}: ${left.length} of ${total} ${loraTargetLabel(target)} modules not applied: ${shown}` +
    (left.length > 3 ? `; and ${left.length - 3} more` : '')
  );
}

/**
 * Merges the LoRAs' modules for `target` (the U-Net or the text encoder) into the model bytes,
 * all in one pass (mergeLoraStack), using a pack LoRA's key map first and name matching for the
 * rest. Weights in external data: only the tensors the LoRAs change are read, through `external`.
 * A LoRA that matches nothing fails naming the LoRA, the count and the first unmatched modules;
 * so do a shape mismatch and a non-finite weight (naming the key). A LoRA that matches in part is
 * merged, and `warn` hears what was left out (loraLeftOutWarning).
 */
export async function mergeLoras(
  base: Uint8Array,
  loras: readonly AppliedLora[],
  target: LoraTarget,
  external?: ExternalRangeReader,
  sink?: ExternalTensorSink,
  warn?: (message: string) => void,
): Promise<Uint8Array> {
  const entries: (LoraStackEntry & { parsed: ParsedLora; label: string })[] = await Promise.all(
    loras.map(async ({ lora, strength }) => {
      const label = loraLabel(lora);
      const parsed = parseLoraSafetensors(await loraBytes(lora), { source: label, target });
      return {
        lora: parsed,
        parsed,
        strength,
        label,
        ...(lora.source === 'pack' && target === 'unet' ? { keyMap: lora.component.keyMap } : {}),
      };
    }),
  );
  const { model, reports } = await mergeLoraStack(base, entries, {
    ...(external ? { readExternal: (r) => external(r.location, r.offset, r.length) } : {}),
    ...(sink ? { writeExternal: sink } : {}),
  });
  reports.forEach((report, i) => {
    const entry = entries[i]!;
    const message = loraLeftOutWarning(entry.label, entry.parsed, report, target);
    if (message !== null && warn) warn(message);
  });
  return model;
}
