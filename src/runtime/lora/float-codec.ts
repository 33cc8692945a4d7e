/**
 * Float16 / bfloat16 <-> number conversion, exact: decoding is exact and encoding rounds a
 * JavaScript number (float64) once, to nearest with ties to even. Pure TS, no Buffer.
 */

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Encodes `v` into a binary float with `expBits` exponent bits and `mantBits` mantissa bits (IEEE layout). */
function encodeSmallFloat(v: number, expBits: number, mantBits: number): number {
  const signBit = 1 << (expBits + mantBits);
  const expMax = (1 << expBits) - 1;
  const bias = (1 << (expBits - 1)) - 1;
  const mantScale = 2 ** mantBits;
  const infBits = expMax * mantScale;
  if (Number.isNaN(v)) return infBits | (1 << (mantBits - 1));
  const sign = v < 0 || Object.is(v, -0) ? signBit : 0;
  const a = Math.abs(v);
  if (a === Number.POSITIVE_INFINITY) return sign | infBits;
  const minNormalExp = 1 - bias;
  if (a < 2 ** minNormalExp) {
    // Subnormal: units of 2^(minNormalExp - mantBits). A result of mantScale is the smallest normal.
    return sign | roundHalfEven(a * 2 ** (mantBits - minNormalExp));
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  const m = roundHalfEven((a / 2 ** e - 1) * mantScale); // a / 2^e in [1, 2): exact in float64
  // A mantissa of mantScale carries into the exponent; adding (not or-ing) does that.
  const bits = (e + bias) * mantScale + m;
  return sign | Math.min(bits, infBits);
}

function decodeSmallFloat(bits: number, expBits: number, mantBits: number): number {
  const mantScale = 2 ** mantBits;
  const expMax = (1 << expBits) - 1;
  const bias = (1 << (expBits - 1)) - 1;
  const sign = bits & (1 << (expBits + mantBits)) ? -1 : 1;
  const e = Math.floor(bits / mantScale) & expMax;
  const f = bits % mantScale;
  if (e === 0) return sign * 2 ** (1 - bias) * (f / mantScale);
  if (e === expMax) return f ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - bias) * (1 + f / mantScale);
}

let halfTable: Float64Array | null = null;
let bf16Table: Float64Array | null = null;

function table(expBits: number, mantBits: number): Float64Array {
  const t = new Float64Array(0x10000);
  for (let h = 0; h < 0x10000; h++) t[h] = decodeSmallFloat(h, expBits, mantBits);
  return t;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Fast exact encoding for normal magnitudes: a candidate from the float32 bits of |v| (truncated),
 * then the nearest of it and its two neighbours (ties to even), compared in float64.
 */
function fastEncode(v: number, t: Float64Array, truncated: (f32bits: number) => number): number {
  const a = Math.abs(v);
  f32[0] = a;
  const h = truncated(u32[0]!);
  let best = h;
  let bestErr = Math.abs(t[h]! - a);
  for (const c of [h - 1, h + 1]) {
    const err = Math.abs(t[c]! - a);
    if (err < bestErr || (err === bestErr && (c & 1) === 0)) {
      best = c;
      bestErr = err;
    }
  }
  return v < 0 ? best | 0x8000 : best;
}

const HALF_MIN_NORMAL = 2 ** -14;
const HALF_MAX = 65504;
const BF16_MIN_NORMAL = 2 ** -126;
const BF16_MAX = 2 ** 127 * (2 - 2 ** -7);

export function halfToNumber(bits: number): number {
  halfTable ??= table(5, 10);
  return halfTable[bits & 0xffff]!;
}

export function numberToHalf(v: number): number {
  const a = Math.abs(v);
  if (a >= HALF_MIN_NORMAL && a < HALF_MAX) {
    halfTable ??= table(5, 10);
    return fastEncode(v, halfTable, (b) => ((((b >>> 23) - 112) << 10) | ((b >>> 13) & 0x3ff)) & 0x7fff);
  }
  return encodeSmallFloat(v, 5, 10);
}

export function bfloat16ToNumber(bits: number): number {
  bf16Table ??= table(8, 7);
  return bf16Table[bits & 0xffff]!;
}

export function numberToBfloat16(v: number): number {
  const a = Math.abs(v);
  if (a >= BF16_MIN_NORMAL && a < BF16_MAX) {
    bf16Table ??= table(8, 7);
    return fastEncode(v, bf16Table, (b) => b >>> 16);
  }
  return encodeSmallFloat(v, 8, 7);
}

/** Reference (slow, table-free) conversions, exported for tests. */
export const slow = {
  halfToNumber: (bits: number): number => decodeSmallFloat(bits & 0xffff, 5, 10),
  numberToHalf: (v: number): number => encodeSmallFloat(v, 5, 10),
  bfloat16ToNumber: (bits: number): number => decodeSmallFloat(bits & 0xffff, 8, 7),
  numberToBfloat16: (v: number): number => encodeSmallFloat(v, 8, 7),
};
