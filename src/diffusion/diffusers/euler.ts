/**
 * diffusers' EulerDiscreteScheduler (0.31), deterministic (s_churn = 0): the Euler method on the
 * probability-flow ODE in sigma space (Karras et al. 2022, Algorithm 2 without churn):
 *   x_next = x + (sigma_next - sigma) * (x - x0) / sigma,   model input x / sqrt(sigma^2 + 1).
 * Timesteps are float32 and may be fractional (linspace spacing); sigmas are the training sigmas
 * interpolated linearly in t, or the Karras ramp. Arithmetic is float32, like the torch code.
 */

import { alphasCumprod, checkSameLength, f32, trainSigmas } from './alphas';
import { type CommonSettings, checkIndex, checkSteps, commonSettings, configError } from './common';
import { type SchedulerConfig, withoutDefaultedKeys } from './config';
import { arange, interpUnitGrid, linspace, roundHalfEven } from './numpy';
import { karrasSigmas, logSigmas, sigmaToT } from './sigmas';
import type { DiffusersScheduler, SchedulerStep } from './types';

export interface EulerSettings extends CommonSettings {
  readonly useKarrasSigmas: boolean;
  readonly sigmaMin: number | null;
  readonly sigmaMax: number | null;
  readonly finalSigmasType: 'zero' | 'sigma_min';
}

export function eulerSettings(config: SchedulerConfig): EulerSettings {
  return {
    ...commonSettings(config, 'linspace'),
    useKarrasSigmas: config.use_karras_sigmas ?? false,
    sigmaMin: config.sigma_min ?? null,
    sigmaMax: config.sigma_max ?? null,
    finalSigmasType: config.final_sigmas_type ?? 'zero',
  };
}

/** Euler's set_timesteps: float32 timesteps and the steps + 1 float32 sigmas (last 0 or sigma_min). */
export function eulerSchedule(
  s: EulerSettings,
  steps: number,
  ac: Float32Array = alphasCumprod(s),
): { timesteps: number[]; sigmas: Float32Array } {
  const n = s.numTrainTimesteps;
  let timesteps: number[];
  switch (s.timestepSpacing) {
    case 'linspace':
      timesteps = linspace(0, n - 1, steps)
        .map(f32)
        .reverse();
      break;
    case 'leading': {
      const ratio = Math.floor(n / steps);
      timesteps = Array.from({ length: steps }, (_, i) => f32((steps - 1 - i) * ratio + s.stepsOffset));
      break;
    }
    case 'trailing':
      timesteps = arange(n, 0, -n / steps).map((t) => f32(roundHalfEven(t) - 1));
      break;
  }
  const train = trainSigmas(ac);
  let sigmas = timesteps.map((t) => interpUnitGrid(t, train));
  if (s.useKarrasSigmas) {
    const logs = logSigmas(train);
    sigmas = karrasSigmas(s.sigmaMin ?? sigmas[sigmas.length - 1]!, s.sigmaMax ?? sigmas[0]!, steps);
    timesteps = sigmas.map((sigma) => f32(sigmaToT(sigma, logs)));
  }
  const last = s.finalSigmasType === 'sigma_min' ? train[0]! : 0;
  return { timesteps, sigmas: Float32Array.from([...sigmas, last]) };
}

export class EulerScheduler implements DiffusersScheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma: number;
  readonly order = 1;
  /** steps + 1 float32 sigmas */
  readonly sigmas: Float32Array;
  private readonly prediction: 'epsilon' | 'v_prediction' | 'sample';

  constructor(rawConfig: SchedulerConfig, steps: number) {
    const config = withoutDefaultedKeys(rawConfig);
    const s = eulerSettings(config);
    checkSteps(steps, s.numTrainTimesteps);
    this.prediction = s.predictionType === 'original_sample' ? 'sample' : s.predictionType;
    if (!['epsilon', 'v_prediction', 'sample'].includes(this.prediction)) {
      throw configError('euler', 'prediction_type', `unsupported ${s.predictionType}`);
    }
    const { timesteps, sigmas } = eulerSchedule(s, steps);
    this.timesteps = Object.freeze(timesteps);
    this.sigmas = sigmas;
    const max = sigmas.reduce((m, v) => Math.max(m, v), 0);
    this.initNoiseSigma = s.timestepSpacing === 'leading' ? f32(Math.sqrt(f32(f32(max * max) + 1))) : max;
  }

  scaleModelInput(sample: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    const sigma = this.sigmas[index]!;
    const c = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
    return sample.map((v) => v / c);
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array): SchedulerStep {
    checkIndex(index, this.timesteps);
    checkSameLength(modelOutput, sample, 'euler step');
    const sigma = this.sigmas[index]!;
    const dt = f32(this.sigmas[index + 1]! - sigma);
    const n = sample.length;
    const x0 = new Float32Array(n);
    if (this.prediction === 'epsilon') {
      for (let i = 0; i < n; i++) x0[i] = sample[i]! - f32(sigma * modelOutput[i]!);
    } else if (this.prediction === 'v_prediction') {
      const var1 = f32(f32(sigma * sigma) + 1);
      const cOut = f32(-sigma / f32(Math.sqrt(var1)));
      for (let i = 0; i < n; i++) x0[i] = f32(modelOutput[i]! * cOut) + f32(sample[i]! / var1);
    } else {
      x0.set(modelOutput);
    }
    const prev = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const derivative = f32(f32(sample[i]! - x0[i]!) / sigma);
      prev[i] = sample[i]! + f32(derivative * dt);
    }
    return { prevSample: prev, predOriginal: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    checkSameLength(original, noise, 'addNoise');
    const sigma = this.sigmas[index]!;
    return original.map((v, i) => v + f32(noise[i]! * sigma));
  }
}
