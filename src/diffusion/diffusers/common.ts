/** Config resolution and argument checks shared by the scheduler ports. */

import type { BetaConfig } from './alphas';
import { type SchedulerConfig, SchedulerConfigError } from './config';
import type { TimestepSpacing } from './types';

/** The keys every ported class reads, after from_config: the config's value or the class default. */
export interface CommonSettings extends BetaConfig {
  readonly predictionType: NonNullable<SchedulerConfig['prediction_type']>;
  readonly timestepSpacing: TimestepSpacing;
  readonly stepsOffset: number;
}

/** All four classes default to diffusers' DDPM schedule (linear 1e-4 .. 0.02 over 1000 steps). */
export function commonSettings(config: SchedulerConfig, defaultSpacing: TimestepSpacing): CommonSettings {
  return {
    numTrainTimesteps: config.num_train_timesteps ?? 1000,
    betaStart: config.beta_start ?? 0.0001,
    betaEnd: config.beta_end ?? 0.02,
    betaSchedule: config.beta_schedule ?? 'linear',
    predictionType: config.prediction_type ?? 'epsilon',
    timestepSpacing: config.timestep_spacing ?? defaultSpacing,
    stepsOffset: config.steps_offset ?? 0,
  };
}

/** A class-specific refusal (diffusers would raise, or the port does not cover it). */
export function configError(scheduler: string, field: string, message: string): SchedulerConfigError {
  return new SchedulerConfigError(`${scheduler} scheduler`, field, message);
}

export function checkSteps(steps: number, numTrainTimesteps: number): void {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  }
  if (steps > numTrainTimesteps) {
    throw new RangeError(`steps (${steps}) cannot exceed num_train_timesteps (${numTrainTimesteps})`);
  }
}

export function checkIndex(index: number, timesteps: readonly number[]): void {
  if (!Number.isInteger(index) || index < 0 || index >= timesteps.length) {
    throw new RangeError(`step index ${index} is outside 0..${timesteps.length - 1}`);
  }
}

/** DDIM and PNDM index alphas_cumprod by timestep: every timestep must be a training timestep. */
export function checkTrainTimesteps(scheduler: string, timesteps: readonly number[], n: number): void {
  const bad = timesteps.find((t) => !(Number.isInteger(t) && t >= 0 && t < n));
  if (bad !== undefined) {
    throw new RangeError(
      `${scheduler}: timestep ${bad} is outside the ${n} training timesteps (steps_offset too large?)`,
    );
  }
}
