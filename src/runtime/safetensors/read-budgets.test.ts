/**
 * Tensor sizes declared by untrusted files are checked against the file and the
 * `tensor-elements` budget before anything is allocated (issue 14).
 */
import { describe, expect, it } from 'vitest';
import { LIMIT_DEFAULTS } from '../../core/limits';
import { readSafetensors } from './read';

/** A safetensors file whose header is `header` and whose data is `dataBytes` zero bytes. */
function safetensors(header: Record<string, unknown>, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors headers', () => {
  it('refuses a 32768 x 32768 tensor from its header, naming the tensor and the limit', () => {
    const bytes = safetensors(
      { big: { dtype: 'F32', shape: [32768, 32768], data_offsets: [0, 4 * 2 ** 30] } },
      16,
    );
    expect(() => readSafetensors(bytes, 'lora.safetensors')).toThrow(
      'lora.safetensors: big: shape [32768,32768] holds 1073741824 values, more than the 268435456 allowed (limit tensor-elements = 268435456; raise it with --limit tensor-elements=N)',
    );
  });

  it('checks shapes against the bytes in the file', () => {
    const bytes = safetensors({ t: { dtype: 'F32', shape: [4, 4], data_offsets: [0, 64] } }, 16);
    expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(
      /t: data_offsets \[0, 64\] lie outside the data/,
    );
    const fits = safetensors({ t: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, 16);
    expect(
      readSafetensors(fits, 'x.safetensors', { ...LIMIT_DEFAULTS, 'tensor-elements': 4 }).entries.get('t')!
        .count,
    ).toBe(4);
    expect(() => readSafetensors(fits, 'x.safetensors', { ...LIMIT_DEFAULTS, 'tensor-elements': 3 })).toThrow(
      /holds 4 values, more than the 3 allowed/,
    );
  });

  it('takes dtype names as names: "constructor" is an unsupported dtype', () => {
    for (const dtype of ['constructor', '__proto__', 'toString']) {
      const bytes = safetensors({ t: { dtype, shape: [1], data_offsets: [0, 4] } }, 4);
      expect(() => readSafetensors(bytes, 'x.safetensors')).toThrow(
        `x.safetensors: t: unsupported dtype ${dtype} (F32, F16, BF16, F64 are)`,
      );
    }
  });
});
