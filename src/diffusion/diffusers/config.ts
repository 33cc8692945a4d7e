/**
 * diffusers' `scheduler/scheduler_config.json`, as read by `Scheduler.from_config`.
 *
 * The schema types the keys the ported schedulers (DDIM, PNDM, Euler discrete, DPM-Solver
 * multistep; diffusers 0.31) read and keeps every other key (looseObject). `parseSchedulerConfig`
 * then rejects, naming the file and the key, every setting that would change the numbers in a way
 * the ports do not implement: nothing is silently ignored.
 */

import { z } from 'zod';
import { jsonErrorWhere } from '../../core/json-error';

const flag = z.boolean().optional();
const optionalFlag = z.boolean().nullish(); // diffusers' Optional[bool]: null behaves as false

export const schedulerConfigSchema = z.looseObject({
  _class_name: z.string().optional(),
  _diffusers_version: z.string().optional(),
  /** keys saved with their default values: from_config drops them, so the class defaults apply */
  _use_default_values: z.array(z.string()).optional(),
  num_train_timesteps: z.number().int().min(2).optional(),
  beta_start: z.number().positive().optional(),
  beta_end: z.number().positive().optional(),
  beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']).optional(),
  trained_betas: z.unknown().optional(),
  prediction_type: z.enum(['epsilon', 'v_prediction', 'sample', 'original_sample']).optional(),
  timestep_spacing: z.enum(['linspace', 'leading', 'trailing']).optional(),
  steps_offset: z.number().int().min(0).optional(),
  // DDIM / PNDM
  set_alpha_to_one: flag,
  clip_sample: flag,
  clip_sample_range: z.number().positive().optional(),
  skip_prk_steps: flag,
  thresholding: flag,
  rescale_betas_zero_snr: flag,
  // Euler / DPM-Solver
  use_karras_sigmas: optionalFlag,
  use_exponential_sigmas: optionalFlag,
  use_beta_sigmas: optionalFlag,
  use_lu_lambdas: optionalFlag,
  sigma_min: z.number().positive().nullish(),
  sigma_max: z.number().positive().nullish(),
  final_sigmas_type: z.enum(['zero', 'sigma_min']).optional(),
  interpolation_type: z.string().optional(),
  timestep_type: z.string().optional(),
  // DPM-Solver
  solver_order: z.number().int().optional(),
  algorithm_type: z.string().optional(),
  solver_type: z.string().optional(),
  lower_order_final: flag,
  euler_at_final: flag,
  // diffusers' default is -inf, which its saved configs spell -Infinity (see parseSchedulerConfigText)
  lambda_min_clipped: z.union([z.number(), z.literal(Number.NEGATIVE_INFINITY)]).optional(),
  variance_type: z.string().nullish(),
});

export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

/** A scheduler config that cannot be used; `field` is the offending key ('' for the whole file). */
export class SchedulerConfigError extends Error {
  override readonly name = 'SchedulerConfigError';
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, message: string) {
    super(`${file}: ${field === '' ? '' : `${field}: `}${message}`);
    this.file = file;
    this.field = field;
  }
}

/** Settings that change the numbers and are not ported: key -> [bad value test, explanation]. */
const UNSUPPORTED: ReadonlyArray<readonly [keyof SchedulerConfig, (v: unknown) => boolean, string]> = [
  ['trained_betas', (v) => v !== null && v !== undefined, 'explicit trained_betas are not supported'],
  ['thresholding', (v) => v === true, 'dynamic thresholding is not supported'],
  ['rescale_betas_zero_snr', (v) => v === true, 'zero-terminal-SNR rescaling is not supported'],
  ['use_exponential_sigmas', (v) => v === true, 'exponential sigmas are not supported'],
  ['use_beta_sigmas', (v) => v === true, 'beta sigmas are not supported'],
  ['use_lu_lambdas', (v) => v === true, 'Lu lambdas are not supported'],
  [
    'interpolation_type',
    (v) => v !== undefined && v !== 'linear',
    "only interpolation_type 'linear' is supported",
  ],
  ['timestep_type', (v) => v !== undefined && v !== 'discrete', "only timestep_type 'discrete' is supported"],
  [
    'algorithm_type',
    // diffusers itself maps 'deis' to 'dpmsolver++' in DPMSolverMultistepScheduler
    (v) => v !== undefined && v !== 'dpmsolver++' && v !== 'deis',
    "only algorithm_type 'dpmsolver++' is supported (not dpmsolver, sde-dpmsolver, sde-dpmsolver++)",
  ],
  [
    'solver_type',
    // 'logrho', 'bh1', 'bh2' are mapped to 'midpoint' by diffusers
    (v) => v !== undefined && !['midpoint', 'heun', 'logrho', 'bh1', 'bh2'].includes(v as string),
    "solver_type must be 'midpoint' or 'heun'",
  ],
  ['solver_order', (v) => v !== undefined && v !== 1 && v !== 2, 'only solver_order 1 and 2 are supported'],
  [
    'variance_type',
    (v) => v !== undefined && v !== null,
    'learned variance (model output with extra channels) is not supported',
  ],
];

/**
 * Parses and validates a scheduler config (the parsed JSON of scheduler_config.json). Throws a
 * {@link SchedulerConfigError} naming `file` and the field: wrong types, unknown beta_schedule or
 * timestep_spacing, trained_betas given, unsupported prediction_type, thresholding true, and every
 * other setting the ports do not implement.
 */
export function parseSchedulerConfig(json: unknown, file: string): SchedulerConfig {
  const parsed = schedulerConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SchedulerConfigError(file, issue.path.map(String).join('.'), issue.message);
  }
  const config = parsed.data;
  for (const [key, bad, why] of UNSUPPORTED) {
    const value = config[key];
    if (bad(value)) throw new SchedulerConfigError(file, key, `${why} (got ${JSON.stringify(value)})`);
  }
  return config;
}

/**
 * JSON.parse for the text of a scheduler_config.json as Python's json module writes it: the bare
 * tokens Infinity, -Infinity and NaN (outside strings) are read as the numbers they name
 * (diffusers saves DPMSolverMultistep's default lambda_min_clipped as -Infinity). Then
 * {@link parseSchedulerConfig}.
 */
export function parseSchedulerConfigText(text: string, file: string): SchedulerConfig {
  const fixed = text.replace(/"(?:[^"\\]|\\.)*"|(-?)Infinity\b|\bNaN\b/g, (m, sign: string | undefined) => {
    if (m.startsWith('"')) return m;
    if (m === 'NaN') return 'null';
    return `${sign ?? ''}1e999`; // overflows to +-Infinity
  });
  let json: unknown;
  try {
    json = JSON.parse(fixed);
  } catch (e) {
    throw new SchedulerConfigError(file, '', `not JSON: it ${jsonErrorWhere(e)}`);
  }
  return parseSchedulerConfig(json, file);
}

/**
 * The config as from_config sees it: keys listed in `_use_default_values` are dropped (the
 * target class's own defaults apply to them).
 */
export function withoutDefaultedKeys(config: SchedulerConfig): SchedulerConfig {
  const listed = config._use_default_values;
  if (listed === undefined || listed.length === 0) return config;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!listed.includes(k)) out[k] = v;
  return out as SchedulerConfig;
}
