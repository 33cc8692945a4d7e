/** Fuzzing the safetensors reader: random headers and sizes, only SafetensorsFormatError. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzTimeout, hostileJson, hostileString } from '../../../test/fixtures/fuzz';
import { LIMIT_DEFAULTS } from '../../core/limits';
import { readSafetensors, SafetensorsFormatError } from './read';

const limits = { ...LIMIT_DEFAULTS, 'tensor-elements': 4096 };
const entry = fc.record({
  dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I8'), hostileString),
  shape: fc.array(fc.oneof(fc.nat({ max: 70 }), fc.constant(2 ** 31), fc.constant(-1)), { maxLength: 4 }),
  data_offsets: fc.tuple(fc.nat({ max: 600 }), fc.nat({ max: 600 })),
});
const header = fc.oneof(
  fc.dictionary(hostileString, fc.oneof(entry, hostileJson(2)), { maxKeys: 4 }),
  hostileJson(3),
);

function file(json: string, dataBytes: number, declared: number | undefined): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? text.length), true);
  out.set(text, 8);
  return out;
}

describe('fuzz: safetensors', () => {
  it(
    'reads random headers throwing only SafetensorsFormatError, decoding only within the budget',
    () => {
      fc.assert(
        fc.property(
          header,
          fc.nat({ max: 600 }),
          fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
          (h, data, declared) => {
            try {
              const parsed = readSafetensors(file(JSON.stringify(h) ?? '', data, declared), 'fuzz', limits);
              for (const t of parsed.entries.values()) {
                expect(t.count).toBeLessThanOrEqual(limits['tensor-elements']);
                expect(t.decode().length).toBe(t.count);
              }
            } catch (error) {
              if (!(error instanceof SafetensorsFormatError)) throw error;
            }
          },
        ),
        { numRuns: fuzzRuns(400) },
      );
    },
    fuzzTimeout(400),
  );
});
