import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bfloat16ToNumber, halfToNumber, numberToBfloat16, numberToHalf, slow } from './float-codec';

describe('float16 / bfloat16 codec', () => {
  it('round-trips every non-NaN float16 bit pattern', () => {
    const bad: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToNumber(h);
      if (!Number.isNaN(v) && numberToHalf(v) !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it('round-trips every non-NaN bfloat16 bit pattern', () => {
    const bad: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const v = bfloat16ToNumber(h);
      if (!Number.isNaN(v) && numberToBfloat16(v) !== h) bad.push(h);
    }
    expect(bad).toEqual([]);
  });

  it('rounds to nearest, ties to even, and saturates to infinity', () => {
    expect(halfToNumber(numberToHalf(1 + 2 ** -11))).toBe(1); // tie -> even (1.0)
    expect(halfToNumber(numberToHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie -> even
    expect(halfToNumber(numberToHalf(1 + 2 ** -11 + 2 ** -30))).toBe(1 + 2 ** -10);
    expect(halfToNumber(numberToHalf(65504))).toBe(65504);
    expect(halfToNumber(numberToHalf(65519))).toBe(65504);
    expect(halfToNumber(numberToHalf(65520))).toBe(Number.POSITIVE_INFINITY);
    expect(halfToNumber(numberToHalf(2 ** -25))).toBe(0); // tie between 0 and the smallest subnormal
    expect(halfToNumber(numberToHalf(3 * 2 ** -25))).toBe(2 ** -23);
    expect(Number.isNaN(halfToNumber(numberToHalf(Number.NaN)))).toBe(true);
    expect(numberToHalf(-0)).toBe(0x8000);
  });

  it('picks the nearest float16 for any double in range', () => {
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (v) => {
        const h = numberToHalf(v);
        const got = halfToNumber(h);
        const err = Math.abs(got - v);
        // neighbours are never strictly closer
        for (const n of [h - 1, h + 1]) {
          if ((n & 0x7fff) >= 0x7c00 || n < 0 || n > 0xffff) continue;
          if ((n & 0x8000) !== (h & 0x8000)) continue;
          expect(Math.abs(halfToNumber(n) - v)).toBeGreaterThanOrEqual(err);
        }
      }),
    );
  });

  it('fast encoders agree with the reference encoders, also at and next to midpoints', () => {
    const bad: string[] = [];
    for (let h = 0; h < 0x7c00; h++) {
      for (const [dec, enc, ref] of [
        [slow.halfToNumber, numberToHalf, slow.numberToHalf],
        [slow.bfloat16ToNumber, numberToBfloat16, slow.numberToBfloat16],
      ] as const) {
        const lo = dec(h);
        const hi = dec(h + 1);
        const mid = (lo + hi) / 2;
        for (const v of [mid, mid * (1 + 2 ** -40), mid * (1 - 2 ** -40), lo, -mid]) {
          if (enc(v) !== ref(v)) bad.push(`${h}: ${v}`);
        }
      }
      if (halfToNumber(h) !== slow.halfToNumber(h) && !Number.isNaN(halfToNumber(h))) bad.push(`dec ${h}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (v) => {
        expect(numberToHalf(v)).toBe(slow.numberToHalf(v));
        expect(numberToBfloat16(v)).toBe(slow.numberToBfloat16(v));
      }),
    );
  });
});
