/**
 * k-diffusion style samplers in sigma space (Karras et al. 2022 parameterisation):
 * x = x0 + sigma * eps, sampled from sigmas[0] down to sigmas[last] (usually 0).
 *
 * The caller supplies a denoiser D(x, sigma) returning the estimate of x0 (it handles the
 * model call, c_in = 1/sqrt(sigma^2+1) input scaling, eps -> x0 and classifier-free guidance;
 * see ./guidance.ts). The ODE being solved is the probability-flow ODE
 *   dx/dsigma = (x - D(x, sigma)) / sigma.
 *
 * Formulas follow k-diffusion's sampling.py (euler, euler_ancestral, heun, dpmpp_2m,
 * dpmpp_2m_sde) and DDIM (Song et al. 2021); each function here is written from the formulas.
 */

import type { Rng } from '../runtime/rng';

/** Returns the denoised estimate x0 for x at noise level sigma. `step` is the sampler step index. */
export type Denoiser = (x: Float32Array, sigma: number, step: number) => Promise<Float32Array>;

export const SAMPLER_NAMES = [
  'ddim',
  'euler',
  'euler_ancestral',
  'heun',
  'dpmpp_2m',
  'dpmpp_2m_sde',
] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** Samplers that draw fresh noise each step and therefore need an `rng`. */
export const STOCHASTIC_SAMPLERS: ReadonlySet<SamplerName> = new Set<SamplerName>([
  'euler_ancestral',
  'dpmpp_2m_sde',
]);

/** Structural subset of AbortSignal (so this module needs neither DOM nor Node typings). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/** Thrown by {@link sample} when its signal is aborted; `name` is 'AbortError' like a DOMException. */
export class SamplingAbortedError extends Error {
  override readonly name = 'AbortError';
  readonly step: number;
  constructor(step: number, reason?: unknown) {
    super(
      `sampling aborted before step ${step}${reason === undefined ? '' : `: ${String(reason)}`}`,
      reason === undefined ? undefined : { cause: reason },
    );
    this.step = step;
  }
}

export type StepCallback = (
  step: number,
  total: number,
  x: Float32Array,
  denoised: Float32Array,
) => void | Promise<void>;

export interface SampleOptions {
  sampler: SamplerName;
  /** descending noise levels, length steps + 1 (usually ending in 0) */
  sigmas: ArrayLike<number>;
  /** initial latent, already noised to sigmas[0] (see {@link noiseToLatent}); not modified */
  x: Float32Array;
  denoise: Denoiser;
  /** required by euler_ancestral and dpmpp_2m_sde */
  rng?: Rng;
  /** ancestral / SDE noise amount (k-diffusion's eta); default 1. Ignored by deterministic samplers. */
  eta?: number;
  /** checked before every step; when aborted a {@link SamplingAbortedError} is thrown */
  signal?: AbortSignalLike;
  /**
   * Called after step `step` (0-based) of `total` = sigmas.length - 1 with the new x and the
   * step's (first) denoised estimate. Both arrays are live sampler buffers: copy to keep them.
   */
  onStep?: StepCallback;
}

/** Initial latent for txt2img: noise * sigma0. */
export function noiseToLatent(noise: Float32Array, sigma0: number): Float32Array {
  const out = new Float32Array(noise.length);
  for (let i = 0; i < noise.length; i++) out[i] = noise[i]! * sigma0;
  return out;
}

/** Initial latent for img2img: latent + noise * sigma0 (sigma0 = first sigma of the denoise tail). */
export function noiseImageLatent(latent: Float32Array, noise: Float32Array, sigma0: number): Float32Array {
  if (latent.length !== noise.length) {
    throw new RangeError(`latent (${latent.length}) and noise (${noise.length}) sizes differ`);
  }
  const out = new Float32Array(latent.length);
  for (let i = 0; i < latent.length; i++) out[i] = latent[i]! + noise[i]! * sigma0;
  return out;
}

/**
 * Ancestral step split (k-diffusion get_ancestral_step): going from sigma to sigmaNext, move
 * deterministically to sigmaDown and add fresh noise of std sigmaUp, sigmaDown^2 + sigmaUp^2 = sigmaNext^2.
 */
export function ancestralStep(
  sigma: number,
  sigmaNext: number,
  eta = 1,
): { sigmaDown: number; sigmaUp: number } {
  if (eta === 0 || sigmaNext === 0) return { sigmaDown: sigmaNext, sigmaUp: 0 };
  const sigmaUp = Math.min(
    sigmaNext,
    eta * Math.sqrt((sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma)),
  );
  const sigmaDown = Math.sqrt(sigmaNext * sigmaNext - sigmaUp * sigmaUp);
  return { sigmaDown, sigmaUp };
}

function checkLength(got: Float32Array, want: number): Float32Array {
  if (got.length !== want) throw new RangeError(`denoiser returned ${got.length} values, expected ${want}`);
  return got;
}

function toSigmaArray(sigmas: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(sigmas);
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!;
    if (!(v >= 0) || !Number.isFinite(v))
      throw new RangeError(`sigmas[${i}] = ${v} is not a finite sigma >= 0`);
    if (i > 0 && v > s[i - 1]!) throw new RangeError('sigmas must be non-increasing');
  }
  return s;
}

/**
 * Runs a sampler over `sigmas` and returns the final x (a new array). Model evaluations per
 * step: 1, except heun (2 unless the next sigma is 0).
 *
 * - ddim (eta 0): DDIM update on the DDPM latent z = sqrt(abar) x with abar = 1/(1+sigma^2):
 *   z' = sqrt(abar') x0 + sqrt(1-abar') eps, eps = (z - sqrt(abar) x0)/sqrt(1-abar).
 *   In sigma space this is identical to euler.
 * - euler: x' = x + (sigma' - sigma) d, d = (x - D)/sigma.
 * - euler_ancestral: euler to sigma_down, plus sigma_up * N(0, I) (eta 1 by default).
 * - heun: Heun's 2nd-order method (trapezoid on d); the step to sigma' = 0 is an euler step.
 * - dpmpp_2m: DPM-Solver++(2M) multistep in lambda = -log sigma; first and last steps first order.
 * - dpmpp_2m_sde: DPM-Solver++(2M) SDE, midpoint variant (eta 1 by default). k-diffusion/ComfyUI
 *   draw its noise from a Brownian tree (correlated across step sizes); here each step draws
 *   independent N(0, I) from `rng`, which has the same per-step distribution (a Brownian
 *   increment) but is not bit-compatible with those implementations.
 */
export async function sample(opts: SampleOptions): Promise<Float32Array> {
  const { sampler, denoise, rng, signal, onStep } = opts;
  const eta = opts.eta ?? 1;
  if (!(eta >= 0)) throw new RangeError(`eta must be >= 0, got ${eta}`);
  if (!(SAMPLER_NAMES as readonly string[]).includes(sampler))
    throw new RangeError(`unknown sampler ${sampler}`);
  if (STOCHASTIC_SAMPLERS.has(sampler) && eta > 0 && rng === undefined) {
    throw new TypeError(`sampler ${sampler} needs an rng`);
  }
  const sigmas = toSigmaArray(opts.sigmas);
  const n = opts.x.length;
  const x = Float32Array.from(opts.x);
  const total = Math.max(0, sigmas.length - 1);

  let oldDenoised: Float32Array | null = null;
  let hLast = 0;

  for (let i = 0; i < total; i++) {
    if (signal?.aborted) throw new SamplingAbortedError(i, signal.reason);
    const sigma = sigmas[i]!;
    const sigmaNext = sigmas[i + 1]!;
    if (!(sigma > 0)) throw new RangeError(`cannot step from sigma ${sigma}`);
    const denoised = checkLength(await denoise(x, sigma, i), n);

    switch (sampler) {
      case 'euler': {
        const dt = sigmaNext - sigma;
        for (let k = 0; k < n; k++) {
          const d = (x[k]! - denoised[k]!) / sigma;
          x[k] = x[k]! + d * dt;
        }
        break;
      }
      case 'ddim': {
        const abar = 1 / (1 + sigma * sigma);
        const abarNext = 1 / (1 + sigmaNext * sigmaNext);
        const sa = Math.sqrt(abar);
        const s1a = Math.sqrt(1 - abar);
        const saN = Math.sqrt(abarNext);
        const s1aN = Math.sqrt(1 - abarNext);
        for (let k = 0; k < n; k++) {
          const z = x[k]! * sa; // DDPM latent z_t
          const x0 = denoised[k]!;
          const eps = (z - sa * x0) / s1a;
          const zNext = saN * x0 + s1aN * eps; // DDIM, eta = 0
          x[k] = zNext / saN; // back to sigma space
        }
        break;
      }
      case 'euler_ancestral': {
        const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmaNext, eta);
        const dt = sigmaDown - sigma;
        for (let k = 0; k < n; k++) {
          const d = (x[k]! - denoised[k]!) / sigma;
          x[k] = x[k]! + d * dt;
        }
        if (sigmaNext > 0 && sigmaUp > 0) {
          const noise = rng!.randn(n);
          for (let k = 0; k < n; k++) x[k] = x[k]! + noise[k]! * sigmaUp;
        }
        break;
      }
      case 'heun': {
        const dt = sigmaNext - sigma;
        if (sigmaNext === 0) {
          for (let k = 0; k < n; k++) x[k] = x[k]! + ((x[k]! - denoised[k]!) / sigma) * dt;
          break;
        }
        const d = new Float64Array(n);
        const x2 = new Float32Array(n);
        for (let k = 0; k < n; k++) {
          d[k] = (x[k]! - denoised[k]!) / sigma;
          x2[k] = x[k]! + d[k]! * dt;
        }
        if (signal?.aborted) throw new SamplingAbortedError(i, signal.reason);
        const denoised2 = checkLength(await denoise(x2, sigmaNext, i), n);
        for (let k = 0; k < n; k++) {
          const d2 = (x2[k]! - denoised2[k]!) / sigmaNext;
          x[k] = x[k]! + ((d[k]! + d2) / 2) * dt;
        }
        break;
      }
      case 'dpmpp_2m': {
        if (sigmaNext === 0) {
          x.set(denoised);
          break;
        }
        // lambda = -log(sigma); h = lambda' - lambda
        const h = Math.log(sigma) - Math.log(sigmaNext);
        const ratio = sigmaNext / sigma; // = exp(-h)
        const c = -Math.expm1(-h); // 1 - exp(-h)
        if (oldDenoised === null) {
          for (let k = 0; k < n; k++) x[k] = ratio * x[k]! + c * denoised[k]!;
        } else {
          const r = hLast / h;
          const a = 1 + 1 / (2 * r);
          const b = 1 / (2 * r);
          for (let k = 0; k < n; k++) {
            const dd = a * denoised[k]! - b * oldDenoised[k]!;
            x[k] = ratio * x[k]! + c * dd;
          }
        }
        hLast = h;
        break;
      }
      case 'dpmpp_2m_sde': {
        if (sigmaNext === 0) {
          x.set(denoised);
          break;
        }
        const h = Math.log(sigma) - Math.log(sigmaNext);
        const etaH = eta * h;
        const decay = (sigmaNext / sigma) * Math.exp(-etaH);
        const c = -Math.expm1(-h - etaH); // 1 - exp(-h(1+eta))
        for (let k = 0; k < n; k++) x[k] = decay * x[k]! + c * denoised[k]!;
        if (oldDenoised !== null) {
          const r = hLast / h;
          const m = 0.5 * c * (1 / r); // midpoint correction
          for (let k = 0; k < n; k++) x[k] = x[k]! + m * (denoised[k]! - oldDenoised[k]!);
        }
        if (eta > 0) {
          const std = sigmaNext * Math.sqrt(-Math.expm1(-2 * etaH));
          const noise = rng!.randn(n);
          for (let k = 0; k < n; k++) x[k] = x[k]! + noise[k]! * std;
        }
        hLast = h;
        break;
      }
      default: {
        const never: never = sampler;
        throw new RangeError(`unknown sampler ${String(never)}`);
      }
    }
    // multistep samplers keep the previous estimate; copy it in case the denoiser reuses buffers
    if (sampler === 'dpmpp_2m' || sampler === 'dpmpp_2m_sde') {
      if (oldDenoised === null || oldDenoised.length !== n) oldDenoised = new Float32Array(n);
      oldDenoised.set(denoised);
    }
    if (onStep) await onStep(i, total, x, denoised);
  }
  return x;
}
