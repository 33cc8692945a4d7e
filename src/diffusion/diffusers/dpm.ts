/**
 * diffusers' DPMSolverMultistepScheduler (0.31) with algorithm_type 'dpmsolver++' (Lu et al.
 * 2022), solver order 1 or 2. The model output is converted to an x0 estimate; with
 * lambda = log(alpha_t / sigma_t) and h = lambda_next - lambda:
 *   first order:  x_next = (sigma_next / sigma) x - alpha_next (e^-h - 1) x0
 *   second order: D1 = (x0 - x0_prev) / r0 with r0 = h_prev / h, added as
 *                 midpoint: - 0.5 alpha_next (e^-h - 1) D1   heun: + alpha_next ((e^-h - 1)/h + 1) D1
 * The first step is first order; so is the last when final_sigmas_type is 'zero', euler_at_final
 * is set, or lower_order_final applies (fewer than 15 steps). Arithmetic is float32, like torch.
 */

import { alphasCumprod, checkSameLength, f32, trainSigmas } from './alphas';
import { type CommonSettings, checkIndex, checkSteps, commonSettings, configError } from './common';
import { type SchedulerConfig, withoutDefaultedKeys } from './config';
import { arange, interpUnitGrid, linspace, roundHalfEven } from './numpy';
import { alphaSigma, karrasSigmas, lambdaOf, logSigmas, sigmaToT } from './sigmas';
import type { DiffusersScheduler, SchedulerStep } from './types';

export interface DpmSettings extends CommonSettings {
  readonly solverOrder: 1 | 2;
  readonly solverType: 'midpoint' | 'heun';
  readonly lowerOrderFinal: boolean;
  readonly eulerAtFinal: boolean;
  readonly useKarrasSigmas: boolean;
  readonly finalSigmasType: 'zero' | 'sigma_min';
  readonly lambdaMinClipped: number;
  /** config keys DPM-Solver does not declare but reads when present (Karras range) */
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
}

export function dpmSettings(
  config: SchedulerConfig,
  overrides: { useKarrasSigmas?: boolean } = {},
): DpmSettings {
  const order = config.solver_order ?? 2;
  if (order !== 1 && order !== 2) throw configError('dpm-solver', 'solver_order', `unsupported ${order}`);
  return {
    ...commonSettings(config, 'linspace'),
    solverOrder: order,
    // diffusers maps logrho / bh1 / bh2 to midpoint
    solverType: config.solver_type === 'heun' ? 'heun' : 'midpoint',
    lowerOrderFinal: config.lower_order_final ?? true,
    eulerAtFinal: config.euler_at_final ?? false,
    useKarrasSigmas: overrides.useKarrasSigmas ?? config.use_karras_sigmas ?? false,
    finalSigmasType: config.final_sigmas_type ?? 'zero',
    lambdaMinClipped: config.lambda_min_clipped ?? Number.NEGATIVE_INFINITY,
    sigmaMin: config.sigma_min ?? null,
    sigmaMax: config.sigma_max ?? null,
  };
}

/** DPM-Solver's set_timesteps: integer timesteps and the float32 sigmas (one more than timesteps). */
export function dpmSchedule(
  s: DpmSettings,
  steps: number,
  ac: Float32Array = alphasCumprod(s),
): { timesteps: number[]; sigmas: Float32Array } {
  const n = s.numTrainTimesteps;
  // timesteps whose lambda is below lambda_min_clipped are cut from the top of the range
  const clip = f32(s.lambdaMinClipped);
  let clipped = 0;
  for (let t = n - 1; t >= 0; t--) {
    const lambda = lambdaOf({ alpha: f32(Math.sqrt(ac[t]!)), sigma: f32(Math.sqrt(f32(1 - ac[t]!))) });
    if (lambda < clip) clipped++;
  }
  const last = n - clipped;
  let timesteps: number[];
  switch (s.timestepSpacing) {
    case 'linspace':
      timesteps = linspace(0, last - 1, steps + 1)
        .map(roundHalfEven)
        .reverse()
        .slice(0, -1);
      break;
    case 'leading': {
      const ratio = Math.floor(last / (steps + 1));
      timesteps = Array.from({ length: steps }, (_, i) => (steps - i) * ratio + s.stepsOffset);
      break;
    }
    case 'trailing':
      timesteps = arange(last, 0, -n / steps).map((t) => roundHalfEven(t) - 1);
      break;
  }
  const train = trainSigmas(ac);
  let sigmas: number[];
  if (s.useKarrasSigmas) {
    const logs = logSigmas(train);
    sigmas = karrasSigmas(s.sigmaMin ?? train[0]!, s.sigmaMax ?? train[n - 1]!, steps);
    timesteps = sigmas.map((sigma) => roundHalfEven(sigmaToT(sigma, logs)));
  } else {
    sigmas = timesteps.map((t) => interpUnitGrid(t, train));
  }
  const final = s.finalSigmasType === 'sigma_min' ? train[0]! : 0;
  return { timesteps, sigmas: Float32Array.from([...sigmas, final]) };
}

export class DpmSolverMultistepScheduler implements DiffusersScheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly order = 1;
  readonly sigmas: Float32Array;
  private readonly settings: DpmSettings;
  private readonly prediction: 'epsilon' | 'v_prediction' | 'sample';
  /** x0 estimates of the previous and the current step */
  private prevX0: Float32Array | null = null;
  private lowerOrderNums = 0;

  constructor(rawConfig: SchedulerConfig, steps: number, overrides: { useKarrasSigmas?: boolean } = {}) {
    const config = withoutDefaultedKeys(rawConfig);
    const s = dpmSettings(config, overrides);
    checkSteps(steps, s.numTrainTimesteps);
    if (s.predictionType === 'original_sample') {
      throw configError(
        'dpm-solver',
        'prediction_type',
        "use 'sample' ('original_sample' is Euler's spelling)",
      );
    }
    this.prediction = s.predictionType;
    this.settings = s;
    const { timesteps, sigmas } = dpmSchedule(s, steps);
    this.timesteps = Object.freeze(timesteps);
    this.sigmas = sigmas;
  }

  scaleModelInput(sample: Float32Array, _index: number): Float32Array {
    return sample;
  }

  /** diffusers' convert_model_output for dpmsolver++: the x0 estimate. */
  private toX0(modelOutput: Float32Array, index: number, sample: Float32Array): Float32Array {
    if (this.prediction === 'sample') return Float32Array.from(modelOutput);
    const { alpha, sigma } = alphaSigma(this.sigmas[index]!);
    if (this.prediction === 'epsilon') {
      return sample.map((x, i) => f32(x - f32(sigma * modelOutput[i]!)) / alpha);
    }
    return sample.map((x, i) => f32(alpha * x) - f32(sigma * modelOutput[i]!));
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array): SchedulerStep {
    checkIndex(index, this.timesteps);
    checkSameLength(modelOutput, sample, 'dpm-solver step');
    const s = this.settings;
    const len = this.timesteps.length;
    const lowerOrderFinal =
      index === len - 1 &&
      (s.eulerAtFinal || (s.lowerOrderFinal && len < 15) || s.finalSigmasType === 'zero');
    const x0 = this.toX0(modelOutput, index, sample);
    const prevX0 = this.prevX0;
    this.prevX0 = x0;

    const next = alphaSigma(this.sigmas[index + 1]!);
    const cur = alphaSigma(this.sigmas[index]!);
    const h = f32(lambdaOf(next) - lambdaOf(cur));
    const sampleCoef = f32(next.sigma / cur.sigma);
    const expm1 = f32(f32(Math.exp(-h)) - 1);
    const d0Coef = f32(next.alpha * expm1);
    const n = sample.length;
    const prev = new Float32Array(n);
    if (s.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal || prevX0 === null) {
      for (let i = 0; i < n; i++) prev[i] = f32(sampleCoef * sample[i]!) - f32(d0Coef * x0[i]!);
    } else {
      // lower_order_second only matters for third order; order 2 always takes this branch
      const before = alphaSigma(this.sigmas[index - 1]!);
      const h0 = f32(lambdaOf(cur) - lambdaOf(before));
      const invR0 = f32(1 / f32(h0 / h));
      const heun = s.solverType === 'heun';
      const d1Coef = heun ? f32(next.alpha * f32(f32(expm1 / h) + 1)) : f32(0.5 * d0Coef);
      for (let i = 0; i < n; i++) {
        const d1 = f32(invR0 * f32(x0[i]! - prevX0[i]!));
        const base = f32(f32(sampleCoef * sample[i]!) - f32(d0Coef * x0[i]!));
        prev[i] = heun ? base + f32(d1Coef * d1) : base - f32(d1Coef * d1);
      }
    }
    if (this.lowerOrderNums < s.solverOrder) this.lowerOrderNums++;
    return { prevSample: prev, predOriginal: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    checkSameLength(original, noise, 'addNoise');
    const { alpha, sigma } = alphaSigma(this.sigmas[index]!);
    return original.map((v, i) => f32(alpha * v) + f32(sigma * noise[i]!));
  }
}
