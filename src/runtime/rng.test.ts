import { describe, expect, it } from 'vitest';
import { createRng, detLog, Rng, splitmix64 } from './rng';

describe('splitmix64', () => {
  it('matches the reference vector (Vigna, seed 1234567)', () => {
    let s = 1234567n;
    const out: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const [n, o] = splitmix64(s);
      s = n;
      out.push(o);
    }
    expect(out).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ]);
  });
});

describe('xoshiro128**', () => {
  it('matches the reference output for state {1,2,3,4}', () => {
    const r = Rng.fromState(1, 2, 3, 4);
    expect([0, 1, 2, 3, 4].map(() => r.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883]);
  });

  it('rejects an all-zero state', () => {
    expect(() => Rng.fromState(0, 0, 0, 0)).toThrow(RangeError);
  });
});

describe('Rng', () => {
  it('pins golden values for fixed seeds', () => {
    const a = new Rng(0);
    expect([0, 1, 2, 3].map(() => a.nextUint32())).toEqual([3737715805, 2584255861, 2876756834, 3286328325]);
    const b = new Rng(42);
    expect(b.nextFloat()).toBe(0.4137016681565887);
    expect(b.nextFloat()).toBe(0.003983993377814743);
    const c = new Rng(42);
    expect(Array.from(c.randn(6))).toEqual([
      1.0873020887374878, 1.3373748064041138, 0.7409935593605042, 0.5294255018234253, 0.4266490340232849,
      -0.46545466780662537,
    ]);
    const big = new Rng(2n ** 64n - 1n);
    expect([big.nextUint32(), big.nextUint32()]).toEqual([477689756, 2493998634]);
    const max = new Rng(Number.MAX_SAFE_INTEGER);
    expect([max.nextUint32(), max.nextUint32()]).toEqual([1233166643, 1287031142]);
  });

  it('is deterministic and a number seed equals the same bigint seed', () => {
    expect(Array.from(createRng(123).randn(16))).toEqual(Array.from(createRng(123n).randn(16)));
    expect(Array.from(createRng(2n ** 64n + 5n).randn(4))).toEqual(Array.from(createRng(5).randn(4)));
  });

  it('different seeds give different streams', () => {
    const a = Array.from(new Rng(1).randn(8));
    const b = Array.from(new Rng(2).randn(8));
    expect(a).not.toEqual(b);
    expect(new Rng(0).nextUint32()).not.toBe(new Rng(1).nextUint32());
  });

  it('validates seeds', () => {
    expect(() => new Rng(-1)).toThrow(RangeError);
    expect(() => new Rng(1.5)).toThrow(RangeError);
    expect(() => new Rng(2 ** 53)).toThrow(RangeError);
    expect(() => new Rng(Number.NaN)).toThrow(RangeError);
    expect(() => new Rng(-1n)).toThrow(RangeError);
  });

  it('nextFloat is in [0,1) with uniform mean/variance', () => {
    const r = new Rng(9);
    const n = 200_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = r.nextFloat();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      sq += u * u;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sq / n - mean * mean).toBeCloseTo(1 / 12, 3);
  });

  it('randn has mean 0, variance 1, and sane tails', () => {
    const x = new Rng(2024).randn([4, 64, 64, 4]);
    expect(x.length).toBe(65536);
    let sum = 0;
    let sq = 0;
    let beyond2 = 0;
    for (const v of x) {
      sum += v;
      sq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    const mean = sum / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sq / x.length - mean * mean - 1)).toBeLessThan(0.03);
    // P(|z| > 2) = 0.0455
    expect(beyond2 / x.length).toBeGreaterThan(0.04);
    expect(beyond2 / x.length).toBeLessThan(0.051);
  });

  it('randn validates its size', () => {
    const r = new Rng(1);
    expect(r.randn(0).length).toBe(0);
    expect(() => r.randn(-1)).toThrow(RangeError);
    expect(() => r.randn([2, 1.5])).toThrow(RangeError);
  });
});

describe('detLog', () => {
  it('agrees with Math.log to about 1 ulp', () => {
    const r = new Rng(5);
    for (let i = 0; i < 20_000; i++) {
      const x = r.nextFloat() * 2 ** Math.floor(r.nextFloat() * 200 - 100);
      if (x === 0) continue;
      const want = Math.log(x);
      expect(Math.abs(detLog(x) - want)).toBeLessThanOrEqual(Math.abs(want) * 2.3e-16 + 1e-300);
    }
    expect(detLog(1)).toBe(0);
    expect(detLog(Math.E)).toBeCloseTo(1, 15);
    expect(detLog(5e-324)).toBeCloseTo(Math.log(5e-324), 10);
    expect(detLog(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(detLog(-1)).toBeNaN();
  });
});
