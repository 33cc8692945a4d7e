/**
 * Seeded, platform-independent random numbers.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna), 128-bit state, 32-bit output. The state is
 * seeded from the user seed with splitmix64 (two 64-bit outputs split into four 32-bit words),
 * as the xoshiro authors recommend. The generator itself uses only 32-bit integer operations
 * (`Math.imul`, shifts, `>>> 0`), and seeding uses exact 64-bit BigInt arithmetic, so the
 * integer stream is bit-identical in every JavaScript engine.
 *
 * Normal variates use Marsaglia's polar method (a rejection form of Box-Muller that needs no
 * sin/cos). Its only transcendental is a natural logarithm, and ECMAScript does not require
 * `Math.log` to be correctly rounded (engines may differ in the last ulp). To keep `normal()`
 * bit-identical everywhere we use our own `log` ({@link detLog}) built solely from IEEE-754
 * `+ - * /` (which JS guarantees to be correctly rounded) plus exact power-of-two scaling, and
 * `Math.sqrt` (also required to be correctly rounded by IEEE-754). Hence every value this module
 * returns, `randn` included, is the same on every platform for the same seed.
 *
 * This stream is NOT PyTorch's: the same seed does not reproduce `torch.randn` images.
 */

const MASK64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/** A seed: a non-negative safe integer (0 .. 2^53-1) or a non-negative bigint (taken mod 2^64). */
export type Seed = number | bigint;

function seedToBigInt(seed: Seed): bigint {
  if (typeof seed === 'bigint') {
    if (seed < 0n) throw new RangeError(`seed must be non-negative, got ${seed}`);
    return seed & MASK64;
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be an integer in 0..2^53-1 (or a bigint), got ${seed}`);
  }
  return BigInt(seed);
}

/** splitmix64 (Vigna): returns [nextState, output], all values in 0..2^64-1. */
export function splitmix64(state: bigint): [bigint, bigint] {
  const s = (state + GOLDEN_GAMMA) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z = z ^ (z >> 31n);
  return [s, z];
}

const LN2_HI = 0.6931471803691238; // upper bits of ln 2 (fdlibm split)
const LN2_LO = 1.9082149292705877e-10; // ln 2 - LN2_HI
const SQRT_HALF = Math.SQRT1_2;

/**
 * Natural logarithm of a positive finite double, using only `+ - * /` and exact scaling by 2,
 * so that the result is the same bit pattern on every engine. Accurate to ~1 ulp.
 */
export function detLog(x: number): number {
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) {
    if (x === 0) return Number.NEGATIVE_INFINITY;
    if (x === Number.POSITIVE_INFINITY) return x;
    return Number.NaN;
  }
  // Reduce x = m * 2^k with m in [sqrt(1/2), sqrt(2)). Scaling by 2 is exact for normal doubles;
  // subnormals are first lifted by 2^54 (also exact).
  let k = 0;
  let m = x;
  if (m < 2.2250738585072014e-308) {
    m *= 18014398509481984; // 2^54
    k -= 54;
  }
  while (m >= 2) {
    m *= 0.5;
    k += 1;
  }
  while (m < 1) {
    m *= 2;
    k -= 1;
  }
  // m in [1, 2)
  if (m >= 2 * SQRT_HALF) {
    m *= 0.5;
    k += 1;
  }
  // m in [sqrt(1/2), sqrt(2)): f = m - 1 is exact (Sterbenz).
  const f = m - 1;
  // log(1+f) = 2 atanh(s), s = f / (2 + f), |s| <= 0.1716, s^2 <= 0.0295.
  const s = f / (2 + f);
  const s2 = s * s;
  // Horner evaluation of sum_{n>=1} s^(2n) / (2n+1), enough terms for < 1e-17 relative.
  let poly = 1 / 25;
  for (let d = 23; d >= 3; d -= 2) poly = 1 / d + s2 * poly;
  const logm = f - s * (f - s2 * 2 * poly);
  // log(1+f) = 2s + 2 s^3 poly = f - s*(f - 2 s^2 poly) since 2s = f - s*f. Combine with k*ln2.
  return k * LN2_HI + (logm + k * LN2_LO);
}

/** Seeded RNG (xoshiro128** seeded by splitmix64). */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: Seed) {
    let st = seedToBigInt(seed);
    const [st1, a] = splitmix64(st);
    st = st1;
    const [, b] = splitmix64(st);
    this.s0 = Number(a & 0xffffffffn) >>> 0;
    this.s1 = Number(a >> 32n) >>> 0;
    this.s2 = Number(b & 0xffffffffn) >>> 0;
    this.s3 = Number(b >> 32n) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is forbidden
  }

  /** Builds a generator from an explicit xoshiro128** state (for testing against reference vectors). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    const r = new Rng(0);
    r.s0 = s0 >>> 0;
    r.s1 = s1 >>> 0;
    r.s2 = s2 >>> 0;
    r.s3 = s3 >>> 0;
    if ((r.s0 | r.s1 | r.s2 | r.s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
    r.spare = null;
    return r;
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = (n3 << 11) | (n3 >>> 21);
    this.s0 = n0 >>> 0;
    this.s1 = n1 >>> 0;
    this.s2 = n2 >>> 0;
    this.s3 = n3 >>> 0;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits (two 32-bit draws). */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /**
   * Standard normal variate (Marsaglia polar method with {@link detLog}; bit-identical on all
   * engines). Values are produced in pairs; the second of a pair is returned by the next call.
   */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.nextFloat() - 1;
      const v = 2 * this.nextFloat() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const f = Math.sqrt((-2 * detLog(s)) / s);
      this.spare = v * f;
      return u * f;
    }
  }

  /** Fills a Float32Array of standard normals; `shape` is a length or a list of dimensions. */
  randn(shape: number | readonly number[]): Float32Array {
    const dims = typeof shape === 'number' ? [shape] : shape;
    let size = 1;
    for (const d of dims) {
      if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`invalid randn shape [${String(shape)}]`);
      size *= d;
    }
    if (!Number.isSafeInteger(size)) throw new RangeError(`randn size too large for [${String(shape)}]`);
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.normal();
    return out;
  }
}

/** Convenience factory. */
export function createRng(seed: Seed): Rng {
  return new Rng(seed);
}
