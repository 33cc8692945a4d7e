import type { DiffusersScheduler } from '../../src/diffusion/diffusers';
import { cfgCombine } from '../../src/diffusion/guidance';
import { SamplingAbortedError } from '../../src/diffusion/samplers';
import { type GuidedUnet, predict } from './guided-unet';

export interface DiffusersLoopOptions {
  /** A fresh scheduler (its multistep state is used up by one run). */
  readonly scheduler: DiffusersScheduler;
  /** The index into the timesteps to start from (img2img), 0 for text-to-image. */
  readonly start: number;
  readonly cfg: number;
  readonly latent: Float32Array;
  /** Unit Gaussian noise; undefined when noise is not added (the latent is the start). */
  readonly noise: Float32Array | undefined;
  readonly signal: AbortSignal;
  readonly onStep: (step: number, total: number, predOriginal: Float32Array) => Promise<void>;
}

const allZero = (a: Float32Array) => a.every((v) => v === 0);

/**
 * The diffusers pipeline loop with a diffusers scheduler: initial noise scaled by the scheduler's
 * init_noise_sigma (or img2img's add_noise at the strength's start timestep), then for each
 * timestep: scale the input, one guided U-Net call at exactly that timestep, the scheduler step.
 * The result is in the same (DDPM) latent space as diffusers' output latents.
 */
export async function diffusersLoop(ctx: GuidedUnet, opts: DiffusersLoopOptions): Promise<Float32Array> {
  const { scheduler, start } = opts;
  const { timesteps } = scheduler;
  let x: Float32Array;
  if (!opts.noise) x = Float32Array.from(opts.latent);
  else if (start === 0 && allZero(opts.latent))
    x = Float32Array.from(opts.noise, (v) => v * scheduler.initNoiseSigma);
  else x = scheduler.addNoise(opts.latent, opts.noise, start);
  const total = timesteps.length - start;
  for (let i = start; i < timesteps.length; i++) {
    if (opts.signal.aborted) throw new SamplingAbortedError(i - start, opts.signal.reason);
    const t = timesteps[i]!;
    const { cond, uncond } = await predict(ctx, scheduler.scaleModelInput(x, i), t, i - start);
    const eps = uncond ? cfgCombine(uncond, cond, opts.cfg) : cond;
    const { prevSample, predOriginal } = scheduler.step(eps, i, x);
    x = prevSample;
    await opts.onStep(i - start + 1, total, predOriginal);
  }
  return x;
}
