/**
 * diffusers' DDIMScheduler (0.31) with eta = 0: the deterministic DDIM update (Song et al. 2021)
 *   x_prev = sqrt(abar_prev) * x0 + sqrt(1 - abar_prev) * eps
 * at the training timesteps chosen by timestep_spacing. Arithmetic is float32, like the torch code.
 */

import { addNoiseAlphas, alphasCumprod, checkSameLength, f32 } from './alphas';
import { checkIndex, checkSteps, checkTrainTimesteps, commonSettings, configError } from './common';
import { type SchedulerConfig, withoutDefaultedKeys } from './config';
import { arange, linspace, roundHalfEven } from './numpy';
import type { DiffusersScheduler, PredictionType, SchedulerStep, TimestepSpacing } from './types';

/** DDIM's set_timesteps: descending integer timesteps. */
export function ddimTimesteps(
  spacing: TimestepSpacing,
  steps: number,
  numTrainTimesteps: number,
  stepsOffset: number,
): number[] {
  const n = numTrainTimesteps;
  switch (spacing) {
    case 'linspace':
      return linspace(0, n - 1, steps)
        .map(roundHalfEven)
        .reverse();
    case 'leading': {
      const ratio = Math.floor(n / steps);
      return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + stepsOffset);
    }
    case 'trailing':
      return arange(n, 0, -n / steps).map((t) => roundHalfEven(t) - 1);
  }
}

export class DdimScheduler implements DiffusersScheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly order = 1;
  private readonly alphasCumprod: Float32Array;
  /** abar used past the last step: 1 with set_alpha_to_one, else abar[0] */
  private readonly finalAlphaCumprod: number;
  /** the step back in t: always num_train_timesteps // steps, whatever the spacing (as diffusers) */
  private readonly stepRatio: number;
  private readonly prediction: PredictionType;
  private readonly clipRange: number | null;

  constructor(rawConfig: SchedulerConfig, steps: number) {
    const config = withoutDefaultedKeys(rawConfig);
    const c = commonSettings(config, 'leading');
    checkSteps(steps, c.numTrainTimesteps);
    if (c.predictionType === 'original_sample') {
      throw configError('ddim', 'prediction_type', "use 'sample' ('original_sample' is Euler's spelling)");
    }
    this.prediction = c.predictionType;
    this.alphasCumprod = alphasCumprod(c);
    this.finalAlphaCumprod = (config.set_alpha_to_one ?? true) ? 1 : this.alphasCumprod[0]!;
    this.clipRange = (config.clip_sample ?? true) ? f32(config.clip_sample_range ?? 1) : null;
    this.stepRatio = Math.floor(c.numTrainTimesteps / steps);
    this.timesteps = Object.freeze(
      ddimTimesteps(c.timestepSpacing, steps, c.numTrainTimesteps, c.stepsOffset),
    );
    checkTrainTimesteps('ddim', this.timesteps, c.numTrainTimesteps);
  }

  scaleModelInput(sample: Float32Array, _index: number): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array): SchedulerStep {
    checkIndex(index, this.timesteps);
    checkSameLength(modelOutput, sample, 'ddim step');
    const t = this.timesteps[index]!;
    const prevT = t - this.stepRatio;
    const a = this.alphasCumprod[t]!;
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const sqrtA = f32(Math.sqrt(a));
    const sqrtB = f32(Math.sqrt(f32(1 - a)));
    const sqrtAPrev = f32(Math.sqrt(aPrev));
    // eta = 0: no variance term, the direction coefficient is sqrt(1 - abar_prev)
    const dirCoef = f32(Math.sqrt(f32(1 - aPrev)));
    const n = sample.length;
    const x0 = new Float32Array(n);
    const eps = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const m = modelOutput[i]!;
      const s = sample[i]!;
      if (this.prediction === 'epsilon') {
        x0[i] = f32(s - f32(sqrtB * m)) / sqrtA;
        eps[i] = m;
      } else if (this.prediction === 'sample') {
        x0[i] = m;
        eps[i] = f32(s - f32(sqrtA * m)) / sqrtB;
      } else {
        x0[i] = f32(sqrtA * s) - f32(sqrtB * m);
        eps[i] = f32(sqrtA * m) + f32(sqrtB * s);
      }
    }
    if (this.clipRange !== null) {
      const r = this.clipRange;
      for (let i = 0; i < n; i++) x0[i] = Math.min(r, Math.max(-r, x0[i]!));
    }
    const prev = new Float32Array(n);
    for (let i = 0; i < n; i++) prev[i] = f32(sqrtAPrev * x0[i]!) + f32(dirCoef * eps[i]!);
    return { prevSample: prev, predOriginal: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    return addNoiseAlphas(original, noise, this.alphasCumprod[this.timesteps[index]!]!);
  }
}
