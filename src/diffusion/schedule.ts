/**
 * Noise schedules for Stable Diffusion 1.5 (and any discrete-time DDPM model) in the
 * k-diffusion "sigma" parameterisation: x = x0 + sigma * eps, where the DDPM latent is
 * z_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, so x = z_t / sqrt(abar_t) and
 * sigma_t = sqrt((1 - abar_t) / abar_t).
 *
 * All arithmetic is float64 (diffusers builds the betas in float32; ComfyUI in float64 and
 * then casts the sigmas to float32). Differences are in the 7th significant digit.
 */

export interface DiscreteScheduleConfig {
  /** number of training timesteps (1000 for SD1.x) */
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  /** 'scaled_linear': betas = linspace(sqrt(start), sqrt(end), N)^2; 'linear': linspace(start, end, N) */
  betaSchedule: 'scaled_linear' | 'linear';
}

/** SD1.5's training schedule (diffusers' scheduler_config.json for runwayml/stable-diffusion-v1-5). */
export const SD15_SCHEDULE_CONFIG: Readonly<DiscreteScheduleConfig> = Object.freeze({
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
});

function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  // pin the end exactly, as numpy/torch do
  out[n - 1] = end;
  return out;
}

/** A discrete DDPM schedule: alphas_cumprod, the matching sigmas, and t <-> sigma maps. */
export class DiscreteSchedule {
  readonly config: Readonly<DiscreteScheduleConfig>;
  readonly betas: Float64Array;
  readonly alphasCumprod: Float64Array;
  /** sigma_t for t = 0..N-1 (ascending) */
  readonly sigmas: Float64Array;
  /** ln(sigma_t), ascending */
  readonly logSigmas: Float64Array;

  constructor(config: DiscreteScheduleConfig = SD15_SCHEDULE_CONFIG) {
    const n = config.numTrainTimesteps;
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`numTrainTimesteps must be an integer >= 2`);
    this.config = Object.freeze({ ...config });
    if (config.betaSchedule === 'scaled_linear') {
      this.betas = linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => b * b);
    } else {
      this.betas = linspace(config.betaStart, config.betaEnd, n);
    }
    this.alphasCumprod = new Float64Array(n);
    this.sigmas = new Float64Array(n);
    this.logSigmas = new Float64Array(n);
    let prod = 1;
    for (let t = 0; t < n; t++) {
      prod *= 1 - this.betas[t]!;
      this.alphasCumprod[t] = prod;
      const s = Math.sqrt((1 - prod) / prod);
      this.sigmas[t] = s;
      this.logSigmas[t] = Math.log(s);
    }
  }

  get numTrainTimesteps(): number {
    return this.sigmas.length;
  }
  get sigmaMin(): number {
    return this.sigmas[0]!;
  }
  get sigmaMax(): number {
    return this.sigmas[this.sigmas.length - 1]!;
  }

  /**
   * Fractional timestep for a sigma, as k-diffusion's DiscreteSchedule.sigma_to_t: linear
   * interpolation of t in log-sigma between the two bracketing training sigmas, clamped to
   * [0, N-1]. With `quantize` the nearest training timestep (in log-sigma) is returned.
   */
  sigmaToTimestep(sigma: number, quantize = false): number {
    if (!(sigma > 0)) throw new RangeError(`sigma must be > 0, got ${sigma}`);
    const ls = Math.log(sigma);
    const logs = this.logSigmas;
    const n = logs.length;
    // low = last index with logs[low] <= ls, clamped to [0, n-2]
    let lo = 0;
    let hi = n - 1;
    if (ls <= logs[0]!) {
      lo = 0;
    } else if (ls >= logs[n - 1]!) {
      lo = n - 2;
    } else {
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (logs[mid]! <= ls) lo = mid;
        else hi = mid;
      }
      if (lo > n - 2) lo = n - 2;
    }
    const low = logs[lo]!;
    const high = logs[lo + 1]!;
    if (quantize) return ls - low <= high - ls ? lo : lo + 1;
    let w = (low - ls) / (low - high);
    w = Math.min(1, Math.max(0, w));
    return (1 - w) * lo + w * (lo + 1);
  }

  /** Sigma at a (possibly fractional) timestep: log-sigma interpolation, t clamped to [0, N-1]. */
  timestepToSigma(t: number): number {
    if (Number.isNaN(t)) throw new RangeError('timestep is NaN');
    const n = this.logSigmas.length;
    const tc = Math.min(n - 1, Math.max(0, t));
    const lo = Math.floor(tc);
    const hi = Math.ceil(tc);
    const w = tc - lo;
    return Math.exp((1 - w) * this.logSigmas[lo]! + w * this.logSigmas[hi]!);
  }

  /** abar for a sigma (continuous): 1 / (1 + sigma^2). */
  static alphaCumprodFromSigma(sigma: number): number {
    return 1 / (1 + sigma * sigma);
  }
}

/** The SD1.5 schedule, built once. */
export const SD15_SCHEDULE: DiscreteSchedule = new DiscreteSchedule();

export const SCHEDULER_NAMES = ['normal', 'karras', 'exponential', 'sgm_uniform'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${steps}`);
}

function withZero(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  out[values.length] = 0;
  return out;
}

export interface LeadingOptions {
  /** diffusers' steps_offset (1 in SD1.5's scheduler config) */
  stepsOffset?: number;
}

/**
 * diffusers' "leading" timestep spacing: (arange(0, steps) * (N // steps)).round()[::-1] + offset.
 * For SD1.5 (offset 1) and 20 steps: 951, 901, ..., 1.
 */
export function leadingTimesteps(
  steps: number,
  schedule: DiscreteSchedule = SD15_SCHEDULE,
  opts: LeadingOptions = {},
): number[] {
  checkSteps(steps);
  const n = schedule.numTrainTimesteps;
  if (steps > n) throw new RangeError(`steps (${steps}) must not exceed the ${n} training timesteps`);
  const offset = opts.stepsOffset ?? 1;
  const ratio = Math.floor(n / steps);
  const out: number[] = [];
  for (let i = steps - 1; i >= 0; i--) {
    const t = i * ratio + offset;
    out.push(Math.min(t, n - 1));
  }
  return out;
}

/** `normal`: sigmas at diffusers' leading timesteps (SD1.5: steps_offset 1), then 0. */
export function normalSigmas(
  steps: number,
  schedule: DiscreteSchedule = SD15_SCHEDULE,
  opts: LeadingOptions = {},
): Float64Array {
  const ts = leadingTimesteps(steps, schedule, opts);
  return withZero(ts.map((t) => schedule.timestepToSigma(t)));
}

/** Karras et al. (2022) rho-schedule between sigmaMin and sigmaMax (rho = 7), then 0. */
export function karrasSigmas(steps: number, sigmaMin: number, sigmaMax: number, rho = 7): Float64Array {
  checkSteps(steps);
  if (!(sigmaMin > 0) || !(sigmaMax >= sigmaMin)) throw new RangeError('need 0 < sigmaMin <= sigmaMax');
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  const out = new Float64Array(steps + 1);
  for (let i = 0; i < steps; i++) {
    const ramp = steps === 1 ? 0 : i / (steps - 1);
    out[i] = (maxInv + ramp * (minInv - maxInv)) ** rho;
  }
  out[steps] = 0;
  return out;
}

/** Geometric (log-linear) spacing from sigmaMax to sigmaMin, then 0 (k-diffusion get_sigmas_exponential). */
export function exponentialSigmas(steps: number, sigmaMin: number, sigmaMax: number): Float64Array {
  checkSteps(steps);
  if (!(sigmaMin > 0) || !(sigmaMax >= sigmaMin)) throw new RangeError('need 0 < sigmaMin <= sigmaMax');
  const logs = linspace(Math.log(sigmaMax), Math.log(sigmaMin), steps);
  return withZero(logs.map((l) => Math.exp(l)));
}

/**
 * ComfyUI's `sgm_uniform`: timesteps linspace(t(sigma_max), t(sigma_min), steps + 1) without the
 * last one, sigma at each (log-sigma interpolation), then 0. ComfyUI's t(sigma) is the nearest
 * training timestep, so the range is 999 .. 0 for SD1.5.
 */
export function sgmUniformSigmas(steps: number, schedule: DiscreteSchedule = SD15_SCHEDULE): Float64Array {
  checkSteps(steps);
  const start = schedule.sigmaToTimestep(schedule.sigmaMax, true);
  const end = schedule.sigmaToTimestep(schedule.sigmaMin, true);
  const ts = linspace(start, end, steps + 1).subarray(0, steps);
  return withZero(Array.from(ts, (t) => schedule.timestepToSigma(t)));
}

/** Descending sigmas (length steps + 1, ending in 0) for a named scheduler. */
export function getSigmas(
  name: SchedulerName,
  steps: number,
  schedule: DiscreteSchedule = SD15_SCHEDULE,
): Float64Array {
  switch (name) {
    case 'normal':
      return normalSigmas(steps, schedule);
    case 'karras':
      return karrasSigmas(steps, schedule.sigmaMin, schedule.sigmaMax);
    case 'exponential':
      return exponentialSigmas(steps, schedule.sigmaMin, schedule.sigmaMax);
    case 'sgm_uniform':
      return sgmUniformSigmas(steps, schedule);
    default: {
      const never: never = name;
      throw new RangeError(`unknown scheduler ${String(never)}`);
    }
  }
}

/**
 * Sigmas for img2img with denoise strength in (0, 1], as ComfyUI: for denoise < 1 compute the
 * schedule for floor(steps / denoise) steps and keep its last steps + 1 sigmas; denoise <= 0
 * gives an empty schedule (nothing to do); denoise > 0.9999 is the full schedule. For `normal`
 * the total is capped at the number of training timesteps.
 */
export function denoiseSigmas(
  name: SchedulerName,
  steps: number,
  denoise: number,
  schedule: DiscreteSchedule = SD15_SCHEDULE,
): Float64Array {
  checkSteps(steps);
  if (Number.isNaN(denoise) || denoise > 1) throw new RangeError(`denoise must be in [0, 1], got ${denoise}`);
  if (denoise > 0.9999) return getSigmas(name, steps, schedule);
  if (denoise <= 0) return new Float64Array(0);
  let total = Math.floor(steps / denoise);
  // leading spacing cannot go past one step per training timestep
  if (name === 'normal') total = Math.min(total, schedule.numTrainTimesteps);
  const all = getSigmas(name, total, schedule);
  return all.slice(all.length - (steps + 1));
}
