/**
 * diffusers' PNDMScheduler (0.31): pseudo linear multistep (Liu et al. 2022). With skip_prk_steps
 * (SD1.5) the Runge-Kutta warm-up is replaced by one extra model call: the timestep list repeats
 * its second entry, and the second call re-does the first step from the first sample with the
 * average of the two model outputs. Later steps combine up to four past outputs with the
 * Adams-Bashforth weights (3, -1)/2, (23, -16, 5)/12 and (55, -59, 37, -9)/24.
 * Without skip_prk_steps, 12 pseudo Runge-Kutta calls come first (3 x 4 at half steps).
 * Arithmetic is float32, like the torch code.
 */

import { addNoiseAlphas, alphasCumprod, checkSameLength, f32 } from './alphas';
import { checkIndex, checkSteps, checkTrainTimesteps, commonSettings, configError } from './common';
import { type SchedulerConfig, withoutDefaultedKeys } from './config';
import { arange, linspace, roundHalfEven } from './numpy';
import type { DiffusersScheduler, SchedulerStep, TimestepSpacing } from './types';

/** PNDM's base timesteps, ascending (PNDM builds its lists from these). */
function baseTimesteps(spacing: TimestepSpacing, steps: number, n: number, offset: number): number[] {
  switch (spacing) {
    case 'linspace':
      return linspace(0, n - 1, steps).map(roundHalfEven);
    case 'leading': {
      const ratio = Math.floor(n / steps);
      return Array.from({ length: steps }, (_, i) => i * ratio + offset);
    }
    case 'trailing':
      return arange(n, 0, -n / steps)
        .map((t) => roundHalfEven(t) - 1)
        .reverse();
  }
}

export interface PndmTimesteps {
  /** the pseudo Runge-Kutta timesteps (empty with skip_prk_steps) */
  readonly prk: number[];
  readonly plms: number[];
}

/** PNDM's set_timesteps: the prk and plms lists (the model is called at prk then plms). */
export function pndmTimesteps(
  spacing: TimestepSpacing,
  steps: number,
  numTrainTimesteps: number,
  stepsOffset: number,
  skipPrkSteps: boolean,
): PndmTimesteps {
  const base = baseTimesteps(spacing, steps, numTrainTimesteps, stepsOffset);
  if (skipPrkSteps) {
    // all but the last, the second-to-last again, the last; then descending
    const plms = [...base.slice(0, -1), ...base.slice(-2, -1), ...base.slice(-1)].reverse();
    return { prk: [], plms };
  }
  if (base.length < 4) {
    throw configError(
      'pndm',
      'skip_prk_steps',
      `the Runge-Kutta warm-up needs at least 4 steps, got ${steps}`,
    );
  }
  const half = Math.floor(Math.floor(numTrainTimesteps / steps) / 2);
  const [a, b, c, d] = base.slice(-4) as [number, number, number, number];
  const prk = [d, c + half, c + half, c, c, b + half, b + half, b, b, a + half, a + half, a];
  return { prk, plms: base.slice(0, -3).reverse() };
}

export class PndmScheduler implements DiffusersScheduler {
  readonly timesteps: readonly number[];
  readonly initNoiseSigma = 1;
  readonly order = 1;
  private readonly alphasCumprod: Float32Array;
  private readonly finalAlphaCumprod: number;
  private readonly numTrain: number;
  private readonly steps: number;
  private readonly vPrediction: boolean;
  private readonly prk: readonly number[];
  // multistep state (diffusers' counter, ets, cur_sample, cur_model_output)
  private counter = 0;
  private ets: Float32Array[] = [];
  private curSample: Float32Array | null = null;
  private curModelOutput: Float32Array | null = null;

  constructor(rawConfig: SchedulerConfig, steps: number) {
    const config = withoutDefaultedKeys(rawConfig);
    const c = commonSettings(config, 'leading');
    checkSteps(steps, c.numTrainTimesteps);
    if (c.predictionType !== 'epsilon' && c.predictionType !== 'v_prediction') {
      throw configError(
        'pndm',
        'prediction_type',
        `PNDM supports epsilon and v_prediction, not ${c.predictionType}`,
      );
    }
    this.vPrediction = c.predictionType === 'v_prediction';
    this.alphasCumprod = alphasCumprod(c);
    this.finalAlphaCumprod = (config.set_alpha_to_one ?? false) ? 1 : this.alphasCumprod[0]!;
    this.numTrain = c.numTrainTimesteps;
    this.steps = steps;
    const lists = pndmTimesteps(
      c.timestepSpacing,
      steps,
      c.numTrainTimesteps,
      c.stepsOffset,
      config.skip_prk_steps ?? false,
    );
    this.prk = lists.prk;
    this.timesteps = Object.freeze([...lists.prk, ...lists.plms]);
    checkTrainTimesteps('pndm', this.timesteps, c.numTrainTimesteps);
  }

  scaleModelInput(sample: Float32Array, _index: number): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array): SchedulerStep {
    checkIndex(index, this.timesteps);
    checkSameLength(modelOutput, sample, 'pndm step');
    const t = this.timesteps[index]!;
    return this.counter < this.prk.length
      ? this.stepPrk(modelOutput, t, sample)
      : this.stepPlms(modelOutput, t, sample);
  }

  private stepPrk(modelOutput: Float32Array, timestep: number, sample: Float32Array): SchedulerStep {
    const halfStep = Math.floor(Math.floor(this.numTrain / this.steps) / 2);
    const prevT = timestep - (this.counter % 2 === 1 ? 0 : halfStep);
    const t = this.prk[Math.floor(this.counter / 4) * 4]!;
    let eps = modelOutput;
    const phase = this.counter % 4;
    if (phase === 0) {
      this.curModelOutput = scaled(modelOutput, 1 / 6);
      this.ets.push(Float32Array.from(modelOutput));
      this.curSample = Float32Array.from(sample);
    } else if (phase === 1 || phase === 2) {
      this.curModelOutput = addScaled(this.curModelOutput!, modelOutput, 1 / 3);
    } else {
      eps = addScaled(this.curModelOutput!, modelOutput, 1 / 6);
      this.curModelOutput = null;
    }
    const out = this.prevSample(this.curSample ?? sample, t, prevT, eps);
    this.counter++;
    return out;
  }

  private stepPlms(modelOutput: Float32Array, timestep: number, sample: Float32Array): SchedulerStep {
    const ratio = Math.floor(this.numTrain / this.steps);
    let t = timestep;
    let prevT = t - ratio;
    if (this.counter !== 1) {
      this.ets = [...this.ets.slice(-3), Float32Array.from(modelOutput)];
    } else {
      // the repeated timestep: redo the first step (from its sample) with the averaged output
      prevT = t;
      t = t + ratio;
    }
    const e = this.ets;
    const n = modelOutput.length;
    let eps: Float32Array;
    let from = sample;
    if (e.length === 1 && this.counter === 0) {
      eps = modelOutput;
      this.curSample = Float32Array.from(sample);
    } else if (e.length === 1 && this.counter === 1) {
      eps = new Float32Array(n);
      for (let i = 0; i < n; i++) eps[i] = f32(modelOutput[i]! + e[0]![i]!) / 2;
      from = this.curSample!;
      this.curSample = null;
    } else if (e.length === 2) {
      const [e2, e1] = e as [Float32Array, Float32Array];
      eps = new Float32Array(n);
      for (let i = 0; i < n; i++) eps[i] = f32(f32(3 * e1[i]!) - e2[i]!) / 2;
    } else if (e.length === 3) {
      const [e3, e2, e1] = e as [Float32Array, Float32Array, Float32Array];
      eps = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        eps[i] = f32(f32(f32(23 * e1[i]!) - f32(16 * e2[i]!)) + f32(5 * e3[i]!)) / 12;
      }
    } else {
      const [e4, e3, e2, e1] = e.slice(-4) as [Float32Array, Float32Array, Float32Array, Float32Array];
      const w = f32(1 / 24);
      eps = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const sum = f32(f32(f32(f32(55 * e1[i]!) - f32(59 * e2[i]!)) + f32(37 * e3[i]!)) - f32(9 * e4[i]!));
        eps[i] = w * sum;
      }
    }
    const out = this.prevSample(from, t, prevT, eps);
    this.counter++;
    return out;
  }

  /** diffusers' _get_prev_sample (formula (9) of the PNDM paper), plus the x0 estimate for previews. */
  private prevSample(
    sample: Float32Array,
    t: number,
    prevT: number,
    modelOutput: Float32Array,
  ): SchedulerStep {
    const a = this.alphasCumprod[t];
    if (a === undefined) throw new RangeError(`pndm: timestep ${t} is outside the training timesteps`);
    const aPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const b = f32(1 - a);
    const bPrev = f32(1 - aPrev);
    const n = sample.length;
    let eps = modelOutput;
    if (this.vPrediction) {
      const sa = f32(Math.sqrt(a));
      const sb = f32(Math.sqrt(b));
      eps = new Float32Array(n);
      for (let i = 0; i < n; i++) eps[i] = f32(sa * modelOutput[i]!) + f32(sb * sample[i]!);
    }
    const sampleCoeff = f32(Math.sqrt(f32(aPrev / a)));
    const denom = f32(f32(a * f32(Math.sqrt(bPrev))) + f32(Math.sqrt(f32(f32(a * b) * aPrev))));
    const diff = f32(aPrev - a);
    const prev = new Float32Array(n);
    const x0 = new Float32Array(n);
    const sqrtA = Math.sqrt(a);
    const sqrtB = Math.sqrt(b);
    for (let i = 0; i < n; i++) {
      prev[i] = f32(sampleCoeff * sample[i]!) - f32(f32(diff * eps[i]!) / denom);
      x0[i] = (sample[i]! - sqrtB * eps[i]!) / sqrtA;
    }
    return { prevSample: prev, predOriginal: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    checkIndex(index, this.timesteps);
    return addNoiseAlphas(original, noise, this.alphasCumprod[this.timesteps[index]!]!);
  }
}

/** f32(c) * x, elementwise in float32. */
function scaled(x: Float32Array, c: number): Float32Array {
  const k = f32(c);
  return x.map((v) => k * v);
}

/** acc + f32(c) * x, elementwise in float32. */
function addScaled(acc: Float32Array, x: Float32Array, c: number): Float32Array {
  const k = f32(c);
  return acc.map((v, i) => v + f32(k * x[i]!));
}
