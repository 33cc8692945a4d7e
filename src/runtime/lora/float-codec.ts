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

export const halfToNumber = (bits: number): number => decodeSmallFloat(bits & 0xffff, 5, 10);
export const numberToHalf = (v: number): number => encodeSmallFloat(v, 5, 10);
export const bfloat16ToNumber = (bits: number): number => decodeSmallFloat(bits & 0xffff, 8, 7);
export const numberToBfloat16 = (v: number): number => encodeSmallFloat(v, 8, 7);
