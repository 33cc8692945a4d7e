import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/runtime/pack/safetensors';

describe('safetensors', () => {
  it('round-trips F32 tensors with metadata, header aligned to 8 bytes', () => {
    const tensors = new Map([
      ['b.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['a.alpha', { shape: [], data: Float32Array.from([3]) }],
    ]);
    const bytes = writeSafetensors(tensors, { k: 'v' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ k: 'v' });
    expect([...back.tensors.keys()].sort()).toEqual(['a.alpha', 'b.weight']);
    expect(Array.from(back.tensors.get('b.weight')!.data)).toEqual([1, 2, 3, 4, 5, -6.5]);
    expect(back.tensors.get('a.alpha')!.shape).toEqual([]);
    expect(writeSafetensors(tensors, { k: 'v' })).toEqual(bytes);
  });

  it('reads F16 tensors', () => {
    const header = JSON.stringify({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } });
    const hb = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + hb.length + 4);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(hb.length), true);
    bytes.set(hb, 8);
    view.setUint16(8 + hb.length, 0x3c00, true); // 1.0
    view.setUint16(8 + hb.length + 2, 0xc000, true); // -2.0
    expect(Array.from(readSafetensors(bytes).tensors.get('h')!.data)).toEqual([1, -2]);
  });

  it('rejects malformed files naming the source', () => {
    expect(() => readSafetensors(new Uint8Array(3), 'x.safetensors')).toThrow(/x\.safetensors: too short/);
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 100n, true);
    expect(() => readSafetensors(bad, 'y.safetensors')).toThrow(/y\.safetensors: header length/);
  });
});
