import { describe, expect, it } from 'vitest';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { writeSafetensors } from '../../src/runtime/safetensors/write';

describe('safetensors writer', () => {
  it('round-trips F32 tensors with metadata, header aligned to 8 bytes', () => {
    const tensors = new Map([
      ['b.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['a.alpha', { shape: [], data: Float32Array.from([3]) }],
    ]);
    const bytes = writeSafetensors(tensors, { k: 'v' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const back = readLoraSafetensors(bytes);
    expect(back.metadata).toEqual({ k: 'v' });
    expect([...back.tensors.keys()].sort()).toEqual(['a.alpha', 'b.weight']);
    expect(Array.from(back.tensors.get('b.weight')!.data)).toEqual([1, 2, 3, 4, 5, -6.5]);
    expect(back.tensors.get('a.alpha')!.shape).toEqual([]);
    expect(writeSafetensors(tensors, { k: 'v' })).toEqual(bytes);
  });
});
