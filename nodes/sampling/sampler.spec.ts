import { limitNote } from '../../src/core/limits';
import type { NodeSpec } from '../../src/core/node-spec';

// The choices are written out rather than derived from src/diffusion's SAMPLER_NAMES and
// SCHEDULER_NAMES, so the editor's bundle does not carry the samplers (spec files import only
// src/core: biome.json); nodes/specs.test.ts checks that they equal those lists, in order.
/** Samplers: k-diffusion style ones, plus `pndm`, which exists only as diffusers' scheduler. */
export const SAMPLER_CHOICES = [
  'ddim',
  'euler',
  'euler_ancestral',
  'heun',
  'dpmpp_2m',
  'dpmpp_2m_sde',
  'pndm',
] as const;
/** Schedules: ComfyUI's, plus `diffusers` / `diffusers_karras`: the checkpoint's scheduler config run exactly as diffusers runs it. */
export const SCHEDULER_CHOICES = [
  'normal',
  'karras',
  'exponential',
  'sgm_uniform',
  'diffusers',
  'diffusers_karras',
] as const;

/** Sampler as data (ports, params, docs) for the editor; its execute is in sampler.ts. */
export const samplerSpec: NodeSpec = {
  type: 'sampling.sampler',
  typeVersion: 1,
  title: 'Sampler',
  category: 'sampling',
  description: 'Denoises latents with the U-Net under classifier-free guidance.',
  inputs: [
    { name: 'unet', type: 'UNET' },
    { name: 'positive', type: 'CONDITIONING' },
    { name: 'negative', type: 'CONDITIONING' },
    { name: 'latent', type: 'LATENT' },
    {
      name: 'noise',
      type: 'LATENT',
      optional: true,
      description: 'Unit Gaussian noise to use instead of the seeded noise (e.g. from Load Latent)',
    },
  ],
  outputs: [{ name: 'latent', type: 'LATENT' }],
  params: [
    { kind: 'seed', name: 'seed', label: 'Seed', default: 0 },
    { kind: 'int', name: 'steps', label: 'Steps', default: 20, min: 1, max: 150, step: 1 },
    { kind: 'float', name: 'cfg', label: 'CFG', default: 7.5, min: 0, max: 30, step: 0.1 },
    { kind: 'enum', name: 'sampler', label: 'Sampler', default: 'dpmpp_2m', options: SAMPLER_CHOICES },
    { kind: 'enum', name: 'scheduler', label: 'Scheduler', default: 'karras', options: SCHEDULER_CHOICES },
    { kind: 'float', name: 'denoise', label: 'Denoise', default: 1, min: 0, max: 1, step: 0.01 },
    {
      kind: 'enum',
      name: 'add_noise',
      label: 'Add noise',
      default: 'enable',
      options: ['enable', 'disable'],
      description: 'disable: start from the latent as it is (ComfyUI KSamplerAdvanced add_noise: disable)',
    },
  ],
  // ComfyUI's schedules build steps / denoise sigmas and run the last `steps`: a tiny denoise
  // would allocate and compute billions of them, so the schedule's length is a budget.
  validate({ nodeId, params, limits }) {
    const steps = typeof params.steps === 'number' ? params.steps : 0;
    const denoise = typeof params.denoise === 'number' ? params.denoise : 1;
    if (denoise <= 0 || denoise > 0.9999) return [];
    const total = Math.floor(steps / denoise);
    if (total <= limits['sampler-steps']) return [];
    return [
      {
        code: 'over_limit',
        nodeId,
        param: 'denoise',
        message: `steps ${steps} at denoise ${denoise} make a schedule of ${total} steps, more than the ${limits['sampler-steps']} allowed (${limitNote('sampler-steps', limits)})`,
      },
    ];
  },
};
