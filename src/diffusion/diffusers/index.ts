/**
 * Exact ports of diffusers' (0.31) schedulers: a user who picks DDIM, PNDM, Euler or DPM-Solver++
 * gets diffusers' timesteps and numbers (float32 like the torch code; checked against traces made
 * by the real library, see test/fixtures/schedulers/ and python/kosmograph_tools/scheduler_traces.py).
 *
 * The loop is the pipeline's:
 *   x = noise * initNoiseSigma   (img2img: x = addNoise(latent, noise, start))
 *   for i in start..timesteps.length-1:
 *     eps = model(scaleModelInput(x, i), timesteps[i])   (guided)
 *     x = step(eps, i, x).prevSample
 */

import { parseSchedulerConfig, type SchedulerConfig } from './config';
import { DdimScheduler } from './ddim';
import { DpmSolverMultistepScheduler } from './dpm';
import { EulerScheduler } from './euler';
import { PndmScheduler } from './pndm';
import type { DiffusersScheduler } from './types';

export {
  parseSchedulerConfig,
  parseSchedulerConfigText,
  type SchedulerConfig,
  SchedulerConfigError,
  schedulerConfigSchema,
} from './config';
export type { DiffusersScheduler, SchedulerStep } from './types';

export const DIFFUSERS_SCHEDULERS = ['ddim', 'pndm', 'euler', 'dpmpp_2m', 'dpmpp_2m_karras'] as const;
export type DiffusersSchedulerName = (typeof DIFFUSERS_SCHEDULERS)[number];

/**
 * Like `Scheduler.from_config(config, **overrides)` + `set_timesteps(steps)`: the class's own
 * defaults for keys the config lacks (SD1.5's PNDM config has no timestep_spacing: DDIM and PNDM
 * default to leading, Euler and DPM-Solver to linspace). dpmpp_2m_karras is DPMSolverMultistep
 * with use_karras_sigmas. The config is validated again (see {@link parseSchedulerConfig}).
 */
export function createDiffusersScheduler(
  name: DiffusersSchedulerName,
  config: SchedulerConfig,
  steps: number,
): DiffusersScheduler {
  const checked = parseSchedulerConfig(config, 'scheduler config');
  switch (name) {
    case 'ddim':
      return new DdimScheduler(checked, steps);
    case 'pndm':
      return new PndmScheduler(checked, steps);
    case 'euler':
      return new EulerScheduler(checked, steps);
    case 'dpmpp_2m':
      return new DpmSolverMultistepScheduler(checked, steps);
    case 'dpmpp_2m_karras':
      return new DpmSolverMultistepScheduler(checked, steps, { useKarrasSigmas: true });
    default: {
      const never: never = name;
      throw new RangeError(`unknown diffusers scheduler ${String(never)}`);
    }
  }
}

/**
 * diffusers img2img (StableDiffusionImg2ImgPipeline.get_timesteps): the index into `timesteps`
 * to start from for denoising `strength` in [0, 1]: t_start * order with
 * t_start = steps - min(floor(steps * strength), steps). When floor(steps * strength) is 0 the
 * diffusers pipeline refuses to run (no denoising steps); this still returns steps * order.
 */
export function img2imgStartIndex(scheduler: DiffusersScheduler, steps: number, strength: number): number {
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!(strength >= 0 && strength <= 1)) throw new RangeError(`strength must be in [0, 1], got ${strength}`);
  const initTimestep = Math.min(Math.trunc(steps * strength), steps);
  const tStart = Math.max(steps - initTimestep, 0);
  return tStart * scheduler.order;
}
