import { detLog } from '../../src/runtime/rng';

/** SD1.5's training noise schedule (scaled_linear), as the U-Net was "trained" on it. */
export const SCHEDULE = {
  type: 'scaled_linear',
  betaStart: 0.00085,
  betaEnd: 0.012,
  trainSteps: 1000,
  predictionType: 'epsilon',
} as const;

export function alphasCumprod(): Float64Array {
  const n = SCHEDULE.trainSteps;
  const a = Math.sqrt(SCHEDULE.betaStart);
  const b = Math.sqrt(SCHEDULE.betaEnd);
  const out = new Float64Array(n);
  let prod = 1;
  for (let i = 0; i < n; i++) {
    const beta = (a + ((b - a) * i) / (n - 1)) ** 2;
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
}

/** log sigma_t (platform-independent log, so the bytes never vary) with sigma = sqrt((1 - abar) / abar), the table k-diffusion interpolates. */
export function logSigmas(): Float64Array {
  return alphasCumprod().map((ab) => 0.5 * detLog((1 - ab) / ab));
}
