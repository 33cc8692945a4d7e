import { describe, expect, it } from 'vitest';
import type { NodeResult } from '../core/node-definition';
import { DEFAULT_CACHE_BYTES, OutputCache } from './output-cache';
import { ENTRY_OVERHEAD_BYTES, estimateResultBytes } from './result-size';

const result = (value: unknown): NodeResult => ({ outputs: { value } });

describe('OutputCache (bounded by bytes)', () => {
  it('evicts the least recently used entries first once over budget; a get counts as a use', () => {
    const cache = new OutputCache({ maxBytes: 300 });
    cache.set('a', result(1), 100);
    cache.set('b', result(2), 100);
    cache.set('c', result(3), 100);
    expect(cache.bytes).toBe(300);
    expect(cache.get('a')).toBeDefined(); // a is now the most recent: b is the oldest
    cache.set('d', result(4), 150);
    expect(cache.keys()).toEqual(['a', 'd']); // b and c had to go (300 + 150 - 100 > 300)
    expect(cache.bytes).toBe(250);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
  });

  it('does not keep an entry bigger than the whole budget, and keeps the others', () => {
    const cache = new OutputCache({ maxBytes: 1000 });
    cache.set('small', result(1), 400);
    cache.set('huge', result(2), 1001);
    expect(cache.has('huge')).toBe(false);
    expect(cache.keys()).toEqual(['small']);
    // Replacing a kept entry with one over budget drops the stale one too.
    cache.set('small', result(3), 5000);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('an entry of exactly the budget fits; replacing a key does not count it twice', () => {
    const cache = new OutputCache({ maxBytes: 500 });
    cache.set('a', result(1), 500);
    cache.set('a', result(2), 500);
    expect(cache.keys()).toEqual(['a']);
    expect(cache.bytes).toBe(500);
  });

  it('estimates sizes itself and honours an entry limit on top of the bytes', () => {
    const cache = new OutputCache({ maxEntries: 2 });
    cache.set('a', result(new Float32Array(10)));
    cache.set('b', result(new Float32Array(10)));
    cache.set('c', result(new Float32Array(10)));
    expect(cache.keys()).toEqual(['b', 'c']);
    expect(cache.bytes).toBe(2 * estimateResultBytes(result(new Float32Array(10))));
  });

  it('has a documented default budget and refuses nonsense options', () => {
    expect(DEFAULT_CACHE_BYTES).toBe(512 * 1024 * 1024);
    expect(() => new OutputCache({ maxBytes: -1 })).toThrow(/maxBytes/);
    expect(() => new OutputCache({ maxBytes: Number.NaN })).toThrow(/maxBytes/);
    expect(() => new OutputCache({ maxEntries: 1.5 })).toThrow(/maxEntries/);
  });
});

describe('estimateResultBytes', () => {
  it('counts tensors, images and artifact bytes by their buffers', () => {
    const latent = {
      kind: 'latent',
      samples: { type: 'float32', dims: [1, 4, 64, 64], data: new Float32Array(16384) },
    };
    const bytes = estimateResultBytes(result(latent));
    expect(bytes).toBeGreaterThanOrEqual(65536 + ENTRY_OVERHEAD_BYTES);
    expect(bytes).toBeLessThan(65536 + ENTRY_OVERHEAD_BYTES + 200);
    const image = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3) };
    const saved: NodeResult = {
      outputs: {},
      artifacts: [{ kind: 'image', fileName: 'x.png', image, png: new Uint8Array(1000) }],
    };
    expect(estimateResultBytes(saved)).toBeGreaterThanOrEqual(512 * 512 * 3 + 1000);
  });

  it('counts a buffer shared by several views once, and the whole buffer a view keeps alive', () => {
    const buffer = new ArrayBuffer(4096);
    const shared = { a: new Float32Array(buffer, 0, 16), b: new Uint8Array(buffer, 64, 8) };
    const bytes = estimateResultBytes(result(shared));
    expect(bytes).toBeGreaterThanOrEqual(4096);
    expect(bytes).toBeLessThan(2 * 4096);
  });

  it('does not walk handles (objects with methods, class instances): their owners budget them', () => {
    const vocabulary = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`token${i}`, i]));
    const pack = { id: 'abc', models: { vocabulary }, readFile: async () => new Uint8Array(0) };
    class Session {
      readonly weights = new Float32Array(1_000_000);
    }
    const handle = estimateResultBytes(result({ kind: 'unet', pack, session: new Session() }));
    expect(handle).toBeLessThan(1024);
    // The same data without methods is data, and is counted.
    expect(estimateResultBytes(result({ models: { vocabulary } }))).toBeGreaterThan(50_000);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { data: new Uint8Array(100) };
    a.self = a;
    expect(estimateResultBytes(result(a))).toBeGreaterThanOrEqual(100);
  });
});
