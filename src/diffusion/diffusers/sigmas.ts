/**
 * Sigma-space helpers shared by the Euler and DPM-Solver ports: diffusers' _sigma_to_t,
 * _convert_to_karras and _sigma_to_alpha_sigma_t, with the float32 / float64 mix numpy and torch
 * use there.
 */

import { f32 } from './alphas';
import { linspace } from './numpy';

/** np.log of the float32 training sigmas (a float32 array). */
export function logSigmas(trainSigmas: Float32Array): Float32Array {
  return trainSigmas.map((s) => Math.log(s));
}

/**
 * diffusers' _sigma_to_t: fractional timestep of `sigma` by linear interpolation in log-sigma
 * between the two bracketing training sigmas. numpy 1.x value-based casting keeps the
 * differences with the float32 log-sigma table in float32, and so does this.
 */
export function sigmaToT(sigma: number, logs: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const n = logs.length;
  // last index whose log-sigma is <= logSigma (0 when none), at most n - 2
  let low = 0;
  for (let i = 0; i < n; i++) if (logSigma - logs[i]! >= 0) low = i;
  low = Math.min(low, n - 2);
  const lo = logs[low]!;
  const hi = logs[low + 1]!;
  let w = f32(f32(lo - f32(logSigma)) / f32(lo - hi));
  w = Math.min(1, Math.max(0, w));
  return f32(1 - w) * low + w * (low + 1);
}

/** Karras et al. (2022) rho = 7 ramp from sigmaMax down to sigmaMin, float64 (numpy). */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, steps: number): number[] {
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return linspace(0, 1, steps).map((r) => (maxInv + r * (minInv - maxInv)) ** rho);
}

/** DPM-Solver's _sigma_to_alpha_sigma_t in float32: alpha = 1 / sqrt(sigma^2 + 1), sigma * alpha. */
export function alphaSigma(sigma: number): { alpha: number; sigma: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  return { alpha, sigma: f32(sigma * alpha) };
}

/** lambda = log(alpha) - log(sigma), float32 (torch.log of 0-d float32 tensors). */
export function lambdaOf(as: { alpha: number; sigma: number }): number {
  return f32(f32(Math.log(as.alpha)) - f32(Math.log(as.sigma)));
}
