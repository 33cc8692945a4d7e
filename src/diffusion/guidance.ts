/**
 * Classifier-free guidance and epsilon-prediction helpers in the k-diffusion parameterisation
 * x = x0 + sigma * eps (x is the DDPM latent divided by sqrt(abar)).
 *
 * For an eps-prediction UNet (SD1.5) the model input is c_in * x with c_in = 1/sqrt(sigma^2+1)
 * (which is exactly the DDPM latent z_t), at the timestep t(sigma) (see schedule.ts), and
 * x0 = x - sigma * eps.
 */

import type { Denoiser } from './samplers';

/**
 * Inclusive range of valid latent (x0) values for the optional guided-x0 clamp: one bound for
 * all values, or one per channel of an NCHW latent whose channels hold `channelSize` values each.
 */
export type LatentRange =
  | { readonly min: number; readonly max: number }
  | { readonly min: readonly number[]; readonly max: readonly number[]; readonly channelSize: number };

/** The [min, max] bounds of value `i` under `range`. */
function boundsAt(range: LatentRange, i: number): [number, number] {
  if (typeof range.min === 'number' && typeof range.max === 'number') return [range.min, range.max];
  const { min, max, channelSize } = range as {
    min: readonly number[];
    max: readonly number[];
    channelSize: number;
  };
  const c = Math.floor(i / channelSize) % min.length;
  return [min[c]!, max[c]!];
}

function checkRange(range: LatentRange): void {
  const mins = typeof range.min === 'number' ? [range.min] : range.min;
  const maxs = typeof range.max === 'number' ? [range.max] : range.max;
  if (mins.length !== maxs.length || mins.some((m, i) => !(m <= maxs[i]!))) {
    throw new RangeError(`invalid latent range [${mins.join(',')}] .. [${maxs.join(',')}]`);
  }
}

/** Model input scaling for an eps-prediction model: c_in = 1 / sqrt(sigma^2 + 1). */
export function cIn(sigma: number): number {
  return 1 / Math.sqrt(sigma * sigma + 1);
}

/** Returns c_in(sigma) * x (a new array): the tensor to feed the UNet. */
export function scaleModelInput(x: Float32Array, sigma: number, out?: Float32Array): Float32Array {
  const c = cIn(sigma);
  const o = out ?? new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = x[i]! * c;
  return o;
}

function sameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: lengths differ (${a.length} vs ${b.length})`);
}

/** x0 = x - sigma * eps. */
export function epsToX0(x: Float32Array, eps: Float32Array, sigma: number, out?: Float32Array): Float32Array {
  sameLength(x, eps, 'epsToX0');
  const o = out ?? new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = x[i]! - sigma * eps[i]!;
  return o;
}

/** eps = (x - x0) / sigma (sigma > 0). */
export function x0ToEps(x: Float32Array, x0: Float32Array, sigma: number, out?: Float32Array): Float32Array {
  sameLength(x, x0, 'x0ToEps');
  if (!(sigma > 0)) throw new RangeError(`x0ToEps needs sigma > 0, got ${sigma}`);
  const o = out ?? new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = (x[i]! - x0[i]!) / sigma;
  return o;
}

/**
 * Classifier-free guidance on denoised estimates: uncond + scale * (cond - uncond), optionally
 * clamping the guided x0 to `range`. (Guidance is linear, so combining eps or x0 is the same
 * before the clamp.) DESIGN finding: with an exact denoiser for a finite data set, cfg > 1
 * extrapolates past the data and overshoots; clamping the guided x0 to the data range removes
 * that. The clamp is applied only when `range` is given.
 */
export function cfgCombine(
  uncond: Float32Array,
  cond: Float32Array,
  scale: number,
  range?: LatentRange,
  out?: Float32Array,
): Float32Array {
  sameLength(uncond, cond, 'cfgCombine');
  if (range !== undefined) checkRange(range);
  const o = out ?? new Float32Array(cond.length);
  for (let i = 0; i < cond.length; i++) {
    const u = uncond[i]!;
    let v = u + scale * (cond[i]! - u);
    if (range !== undefined) {
      const [lo, hi] = boundsAt(range, i);
      v = Math.max(lo, Math.min(hi, v));
    }
    o[i] = v;
  }
  return o;
}

/**
 * Predicts eps for both conditionings from the scaled model input at a (fractional) timestep;
 * `uncond` may be omitted when no guidance is wanted.
 */
export type EpsModel = (
  scaledX: Float32Array,
  timestep: number,
  sigma: number,
) => Promise<{ cond: Float32Array; uncond?: Float32Array }>;

export interface EpsDenoiserOptions {
  /** sigma -> model timestep, e.g. (s) => SD15_SCHEDULE.sigmaToTimestep(s) */
  sigmaToTimestep: (sigma: number) => number;
  /** classifier-free guidance scale (1 = cond only) */
  cfgScale: number;
  /** optional clamp for the guided x0 */
  range?: LatentRange;
}

/**
 * Wraps an eps-prediction model into a sampler {@link Denoiser}: scales the input by c_in,
 * converts each eps to x0 = x - sigma * eps and combines them with {@link cfgCombine}.
 */
export function epsDenoiser(model: EpsModel, opts: EpsDenoiserOptions): Denoiser {
  return async (x, sigma) => {
    const scaled = scaleModelInput(x, sigma);
    const { cond, uncond } = await model(scaled, opts.sigmaToTimestep(sigma), sigma);
    const x0c = epsToX0(x, cond, sigma);
    if (uncond === undefined || opts.cfgScale === 1) {
      if (opts.range === undefined) return x0c;
      return cfgCombine(x0c, x0c, 1, opts.range, x0c);
    }
    const x0u = epsToX0(x, uncond, sigma);
    return cfgCombine(x0u, x0c, opts.cfgScale, opts.range, x0u);
  };
}
