import { describe, expect, it } from 'vitest';
import {
  createDiffusersScheduler,
  DIFFUSERS_SCHEDULERS,
  img2imgStartIndex,
  parseSchedulerConfig,
  parseSchedulerConfigText,
  type SchedulerConfig,
  SchedulerConfigError,
} from './index';

/** runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json */
const SD15 = {
  _class_name: 'PNDMScheduler',
  _diffusers_version: '0.6.0',
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
};

function parseError(json: unknown): SchedulerConfigError {
  try {
    parseSchedulerConfig(json, 'scheduler/scheduler_config.json');
  } catch (e) {
    expect(e).toBeInstanceOf(SchedulerConfigError);
    return e as SchedulerConfigError;
  }
  throw new Error('expected a SchedulerConfigError');
}

describe('parseSchedulerConfig', () => {
  it('accepts SD1.5 config and keeps unknown keys', () => {
    const c = parseSchedulerConfig({ ...SD15, some_future_key: [1, 2] }, 'x.json');
    expect(c.beta_schedule).toBe('scaled_linear');
    expect((c as Record<string, unknown>).some_future_key).toEqual([1, 2]);
  });

  it.each([
    [{ beta_schedule: 'sigmoid' }, 'beta_schedule'],
    [{ trained_betas: [0.1, 0.2] }, 'trained_betas'],
    [{ prediction_type: 'flow' }, 'prediction_type'],
    [{ thresholding: true }, 'thresholding'],
    [{ rescale_betas_zero_snr: true }, 'rescale_betas_zero_snr'],
    [{ use_exponential_sigmas: true }, 'use_exponential_sigmas'],
    [{ use_beta_sigmas: true }, 'use_beta_sigmas'],
    [{ use_lu_lambdas: true }, 'use_lu_lambdas'],
    [{ timestep_type: 'continuous' }, 'timestep_type'],
    [{ interpolation_type: 'log_linear' }, 'interpolation_type'],
    [{ algorithm_type: 'dpmsolver' }, 'algorithm_type'],
    [{ algorithm_type: 'sde-dpmsolver++' }, 'algorithm_type'],
    [{ solver_order: 3 }, 'solver_order'],
    [{ solver_type: 'rk4' }, 'solver_type'],
    [{ variance_type: 'learned_range' }, 'variance_type'],
    [{ final_sigmas_type: 'denoise_to_zero' }, 'final_sigmas_type'],
    [{ timestep_spacing: 'karras' }, 'timestep_spacing'],
    [{ steps_offset: 0.5 }, 'steps_offset'],
    [{ num_train_timesteps: '1000' }, 'num_train_timesteps'],
    [{ clip_sample: 'yes' }, 'clip_sample'],
  ])('rejects %j naming the file and %s', (patch, field) => {
    const err = parseError({ ...SD15, ...patch });
    expect(err.field).toBe(field);
    expect(err.file).toBe('scheduler/scheduler_config.json');
    expect(err.message).toContain('scheduler/scheduler_config.json');
    expect(err.message).toContain(field);
  });

  it('rejects a non-object', () => {
    expect(parseError([1, 2]).message).toContain('scheduler/scheduler_config.json');
  });

  it("accepts the values diffusers maps onto supported ones ('deis', 'logrho')", () => {
    const c = parseSchedulerConfig({ ...SD15, algorithm_type: 'deis', solver_type: 'logrho' }, 'x');
    const dpm = createDiffusersScheduler('dpmpp_2m', c, 10);
    const ref = createDiffusersScheduler('dpmpp_2m', parseSchedulerConfig(SD15, 'x'), 10);
    const x = Float32Array.from([0.5, -1, 2]);
    const eps = Float32Array.from([0.1, 0.2, -0.3]);
    expect(dpm.step(eps, 0, x).prevSample).toEqual(ref.step(eps, 0, x).prevSample);
  });
});

describe('parseSchedulerConfigText', () => {
  it("reads Python json's -Infinity (DPM-Solver's saved lambda_min_clipped), not inside strings", () => {
    const text =
      '{"_class_name": "DPMSolverMultistepScheduler", "lambda_min_clipped": -Infinity, "note": "-Infinity"}';
    const c = parseSchedulerConfigText(text, 'dpm.json');
    expect(c.lambda_min_clipped).toBe(Number.NEGATIVE_INFINITY);
    expect((c as Record<string, unknown>).note).toBe('-Infinity');
    expect(createDiffusersScheduler('dpmpp_2m', c, 10).timesteps[0]).toBe(999);
  });

  it('names the file when the text is not JSON', () => {
    expect(() => parseSchedulerConfigText('{"beta_start": ', 'broken.json')).toThrow(/broken\.json/);
  });
});

describe('createDiffusersScheduler', () => {
  const sd15 = parseSchedulerConfig(SD15, 'sd15');

  it('uses each class default for keys SD1.5 config lacks (timestep_spacing)', () => {
    // DDIM and PNDM default to leading (+ steps_offset 1), Euler and DPM-Solver to linspace
    expect(createDiffusersScheduler('ddim', sd15, 20).timesteps.slice(0, 3)).toEqual([951, 901, 851]);
    expect(createDiffusersScheduler('pndm', sd15, 20).timesteps.slice(0, 4)).toEqual([951, 901, 901, 851]);
    expect(createDiffusersScheduler('euler', sd15, 20).timesteps[0]).toBe(999);
    expect(createDiffusersScheduler('dpmpp_2m', sd15, 20).timesteps.slice(0, 2)).toEqual([999, 949]);
  });

  it('PNDM calls the model steps + 1 times (the second timestep repeats)', () => {
    const p = createDiffusersScheduler('pndm', sd15, 10);
    expect(p.timesteps).toEqual([901, 801, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  });

  it('honours _use_default_values (those keys take the class defaults)', () => {
    const cfg = parseSchedulerConfig(
      { ...SD15, timestep_spacing: 'trailing', _use_default_values: ['timestep_spacing'] },
      'x',
    );
    expect(createDiffusersScheduler('ddim', cfg, 20).timesteps[0]).toBe(951);
  });

  it('validates the config again', () => {
    expect(() =>
      createDiffusersScheduler('euler', { ...sd15, thresholding: true } as SchedulerConfig, 10),
    ).toThrow(/thresholding/);
  });

  it.each([
    ['pndm', { prediction_type: 'sample' }, 'prediction_type'],
    ['ddim', { prediction_type: 'original_sample' }, 'prediction_type'],
    ['dpmpp_2m', { prediction_type: 'original_sample' }, 'prediction_type'],
    ['pndm', { skip_prk_steps: false }, 'skip_prk_steps'],
  ] as const)('%s refuses %j (%s)', (name, patch, field) => {
    const cfg = parseSchedulerConfig({ ...SD15, ...patch }, 'x');
    expect(() => createDiffusersScheduler(name, cfg, 3)).toThrow(new RegExp(field));
  });

  it.each(DIFFUSERS_SCHEDULERS)('%s checks steps and indices', (name) => {
    expect(() => createDiffusersScheduler(name, sd15, 0)).toThrow(RangeError);
    expect(() => createDiffusersScheduler(name, sd15, 2.5)).toThrow(RangeError);
    expect(() => createDiffusersScheduler(name, sd15, 1001)).toThrow(RangeError);
    const s = createDiffusersScheduler(name, sd15, 4);
    const x = new Float32Array(4);
    expect(() => s.step(x, s.timesteps.length, x)).toThrow(RangeError);
    expect(() => s.step(x, -1, x)).toThrow(RangeError);
    expect(() => s.step(new Float32Array(3), 0, x)).toThrow(RangeError);
    expect(() => s.addNoise(x, new Float32Array(5), 0)).toThrow(RangeError);
  });

  it('dpmpp_2m_karras is DPM-Solver with use_karras_sigmas', () => {
    const a = createDiffusersScheduler('dpmpp_2m_karras', sd15, 12);
    const b = createDiffusersScheduler('dpmpp_2m', { ...sd15, use_karras_sigmas: true }, 12);
    expect(a.timesteps).toEqual(b.timesteps);
    expect(a.timesteps).not.toEqual(createDiffusersScheduler('dpmpp_2m', sd15, 12).timesteps);
  });
});

describe('img2imgStartIndex', () => {
  const sd15 = parseSchedulerConfig(SD15, 'sd15');
  it('is get_timesteps t_start * order', () => {
    const s = createDiffusersScheduler('ddim', sd15, 50);
    expect(img2imgStartIndex(s, 50, 0.75)).toBe(13); // floor(37.5) = 37 steps run
    expect(img2imgStartIndex(s, 50, 1)).toBe(0);
    expect(img2imgStartIndex(s, 50, 0.01)).toBe(50);
    expect(img2imgStartIndex(s, 10, 0.3)).toBe(7); // 10 * 0.3 = 3.0000000000000004 -> 3
    expect(() => img2imgStartIndex(s, 50, 1.5)).toThrow(RangeError);
  });
});
