/** The scheduler interface shared by the diffusers ports (re-exported from ./index). */

export interface SchedulerStep {
  readonly prevSample: Float32Array;
  /** the step's x0 estimate (for previews) */
  readonly predOriginal: Float32Array;
}

export interface DiffusersScheduler {
  /** Timesteps at which the model is called, in order (diffusers' scheduler.timesteps after set_timesteps; PNDM's plms list included). */
  readonly timesteps: readonly number[];
  /** diffusers' init_noise_sigma: initial latents = unit noise * this. */
  readonly initNoiseSigma: number;
  /** diffusers' scheduler.order (for img2img start index). */
  readonly order: number;
  /** The model input for position `index` (may return `sample` itself when no scaling applies). */
  scaleModelInput(sample: Float32Array, index: number): Float32Array;
  /** One step at position `index` of `timesteps` given the (guided) model output. Stateful (multistep history): one scheduler object per run, steps called in order. */
  step(modelOutput: Float32Array, index: number, sample: Float32Array): SchedulerStep;
  /** scheduler.add_noise(original, noise, timesteps[index]) for img2img. */
  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array;
}

export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'linspace' | 'leading' | 'trailing';
