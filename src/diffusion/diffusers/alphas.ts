/**
 * The training noise schedule exactly as diffusers builds it: betas and alphas_cumprod are float32
 * torch tensors, made with torch.linspace (float32 arithmetic, fused multiply-add) and
 * torch.cumprod (float64 accumulator, each partial product rounded to float32).
 */

/** Rounds to float32 (the dtype of every tensor diffusers keeps). */
export const f32 = Math.fround;

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';

export interface BetaConfig {
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
}

/**
 * torch.linspace(start, end, n, dtype=float32) on the CPU: step = (end - start) / (n - 1) in
 * float32; the first half counts up from start, the second half down from end, each value one
 * rounding of start + step * i (the product of a float32 and an index below 2^29 is exact in a
 * double, and so is its sum with start here, so one fround is the fused multiply-add).
 */
export function torchLinspaceF32(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const s = f32(start);
  const e = f32(end);
  if (n === 1) {
    out[0] = s;
    return out;
  }
  const step = f32(f32(e - s) / (n - 1));
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? f32(s + step * i) : f32(e - step * (n - 1 - i));
  return out;
}

/** diffusers' betas_for_alpha_bar with the cosine alpha_bar (beta_schedule 'squaredcos_cap_v2'). */
function cosineBetas(n: number, maxBeta = 0.999): Float32Array {
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), maxBeta);
  return out;
}

export function betas(config: BetaConfig): Float32Array {
  const n = config.numTrainTimesteps;
  switch (config.betaSchedule) {
    case 'linear':
      return torchLinspaceF32(config.betaStart, config.betaEnd, n);
    case 'scaled_linear':
      return torchLinspaceF32(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => b * b);
    case 'squaredcos_cap_v2':
      return cosineBetas(n);
    default: {
      const never: never = config.betaSchedule;
      throw new RangeError(`unknown beta_schedule ${String(never)}`);
    }
  }
}

/** alphas_cumprod = cumprod(1 - betas), float32 values from a float64 running product. */
export function alphasCumprod(config: BetaConfig): Float32Array {
  const b = betas(config);
  const out = new Float32Array(b.length);
  let prod = 1;
  for (let i = 0; i < b.length; i++) {
    prod *= f32(1 - b[i]!);
    out[i] = prod;
  }
  return out;
}

/** Training sigmas ((1 - abar) / abar) ** 0.5 in float32, ascending in t (Euler / DPM-Solver). */
export function trainSigmas(ac: Float32Array): Float32Array {
  return ac.map((a) => Math.sqrt(f32(f32(1 - a) / a)));
}

/**
 * sqrt(abar) * x0 + sqrt(1 - abar) * noise with float32 rounding: DDIM's and PNDM's add_noise.
 */
export function addNoiseAlphas(original: Float32Array, noise: Float32Array, abar: number): Float32Array {
  checkSameLength(original, noise, 'addNoise');
  const sa = f32(Math.sqrt(abar));
  const sb = f32(Math.sqrt(f32(1 - abar)));
  const out = new Float32Array(original.length);
  for (let i = 0; i < out.length; i++) out[i] = f32(sa * original[i]!) + f32(sb * noise[i]!);
  return out;
}

export function checkSameLength(a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) throw new RangeError(`${what}: lengths differ (${a.length} vs ${b.length})`);
}
