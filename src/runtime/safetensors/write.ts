/**
 * Minimal safetensors writer (pure TS): 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}`, then raw
 * little-endian tensor bytes (F32, F16, BF16). Reading is `readSafetensors` (./read.ts), which
 * handles every dtype LoRAs use.
 */

import { numberToBfloat16, numberToHalf } from '../lora/float-codec';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface TensorToWrite {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
  /** Default F32. */
  readonly dtype?: SafetensorsDtype;
}

/**
 * Writes tensors (F32, F16 or BF16); keys sorted and the header space-padded
 * to 8 bytes, so the output is deterministic.
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const dtype = t.dtype ?? 'F32';
    const size = t.data.length * (dtype === 'F32' ? 4 : 2);
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors.get(name)!;
    const dtype = t.dtype ?? 'F32';
    for (let i = 0; i < t.data.length; i++) {
      const v = t.data[i]!;
      if (dtype === 'F32') {
        view.setFloat32(at, v, true);
        at += 4;
      } else {
        view.setUint16(at, dtype === 'F16' ? numberToHalf(v) : numberToBfloat16(v), true);
        at += 2;
      }
    }
  }
  return out;
}
