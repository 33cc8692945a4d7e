import { describe, expect, it } from 'vitest';
import { Rng } from '../runtime/rng';
import { epsDenoiser } from './guidance';
import {
  ancestralStep,
  type Denoiser,
  noiseImageLatent,
  noiseToLatent,
  SAMPLER_NAMES,
  type SamplerName,
  SamplingAbortedError,
  sample,
} from './samplers';
import { exponentialSigmas, getSigmas, karrasSigmas, SD15_SCHEDULE } from './schedule';

const F = (...v: number[]) => Float32Array.from(v);

/** A denoiser that returns the given estimates in order (ignoring x) and records its calls. */
function scripted(outputs: Float32Array[]): {
  denoise: Denoiser;
  calls: { x: number[]; sigma: number; step: number }[];
} {
  const calls: { x: number[]; sigma: number; step: number }[] = [];
  let i = 0;
  const denoise: Denoiser = async (x, sigma, step) => {
    calls.push({ x: Array.from(x), sigma, step });
    const out = outputs[i++];
    if (out === undefined) throw new Error('denoiser called too often');
    return Float32Array.from(out);
  };
  return { denoise, calls };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, digits = 6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, digits);
}

const X = F(1, -2);
const D1 = F(0.5, 0.25);
const D2 = F(0.1, -0.5);

describe('single steps, hand-computed from the published formulas', () => {
  it('euler: x + (sigma_next - sigma) (x - D) / sigma', async () => {
    const { denoise, calls } = scripted([D1]);
    const x = await sample({ sampler: 'euler', sigmas: [2, 1], x: X, denoise });
    // d = ([1,-2] - [0.5,0.25]) / 2 = [0.25, -1.125]; x = x - d
    expectClose(x, [0.75, -0.875]);
    expect(calls).toEqual([{ x: [1, -2], sigma: 2, step: 0 }]);
    expect(Array.from(X)).toEqual([1, -2]); // input untouched
  });

  it("ddim (eta 0) on alphas: x0 + sqrt((1-a')/a') eps", async () => {
    // sigma 2 -> abar 0.2, sigma 1 -> abar 0.5: eps = (x - x0)/2, x' = x0 + eps
    const { denoise } = scripted([D1]);
    const x = await sample({ sampler: 'ddim', sigmas: [2, 1], x: X, denoise });
    expectClose(x, [0.5 + 0.25, 0.25 + -2.25 / 2]);
    const { denoise: d2 } = scripted([D1]);
    expectClose(await sample({ sampler: 'ddim', sigmas: [2, 0], x: X, denoise: d2 }), D1);
  });

  it('heun: trapezoid of the slopes at sigma and at the euler predictor', async () => {
    const { denoise, calls } = scripted([D1, D2]);
    const x = await sample({ sampler: 'heun', sigmas: [2, 1], x: X, denoise });
    // d = [0.25, -1.125]; x2 = [0.75, -0.875]; d2 = (x2 - D2)/1 = [0.65, -0.375]
    // x = x - (d + d2)/2 = [1 - 0.45, -2 + 0.75]
    expectClose(x, [0.55, -1.25]);
    expect(calls.length).toBe(2);
    expect(calls[1]!.sigma).toBe(1);
    expectClose(calls[1]!.x, [0.75, -0.875]);
  });

  it('heun: the last step to sigma 0 is a single euler step', async () => {
    const { denoise, calls } = scripted([D1, D2]);
    const x = await sample({ sampler: 'heun', sigmas: [2, 0], x: X, denoise });
    expectClose(x, D1);
    expect(calls.length).toBe(1);
  });

  it('euler_ancestral: euler to sigma_down plus sigma_up noise', async () => {
    const { sigmaDown, sigmaUp } = ancestralStep(2, 1);
    // sigma_up = sqrt(1 * (4 - 1) / 4), sigma_down = sqrt(1 - 3/4)
    expect(sigmaUp).toBeCloseTo(Math.sqrt(0.75), 12);
    expect(sigmaDown).toBeCloseTo(0.5, 12);
    expect(ancestralStep(2, 1, 0)).toEqual({ sigmaDown: 1, sigmaUp: 0 });
    expect(ancestralStep(2, 0)).toEqual({ sigmaDown: 0, sigmaUp: 0 });
    const half = ancestralStep(2, 1, 0.5);
    expect(half.sigmaUp).toBeCloseTo(0.5 * Math.sqrt(0.75), 12);
    expect(half.sigmaDown ** 2 + half.sigmaUp ** 2).toBeCloseTo(1, 12);

    const { denoise } = scripted([D1, D2]);
    const x = await sample({ sampler: 'euler_ancestral', sigmas: [2, 1, 0], x: X, denoise, rng: new Rng(7) });
    const n = new Rng(7).randn(2);
    // step 1: d = [0.25, -1.125], x1 = x + d (0.5 - 2) + sqrt(0.75) n
    const x1 = [1 - 0.375 + Math.sqrt(0.75) * n[0]!, -2 + 1.6875 + Math.sqrt(0.75) * n[1]!];
    // step 2 (to 0): no noise, x = D2
    expectClose(x, D2);
    const { denoise: dA } = scripted([D1]);
    expectClose(
      await sample({ sampler: 'euler_ancestral', sigmas: [2, 1], x: X, denoise: dA, rng: new Rng(7) }),
      x1,
    );
  });

  it('dpmpp_2m: first-order first step, then the 2M correction with r = h_last / h', async () => {
    const { denoise } = scripted([D1, D2, D2]);
    const x = await sample({ sampler: 'dpmpp_2m', sigmas: [2, 1, 0.25], x: X, denoise });
    // step 1: h = ln 2: x1 = 0.5 x + 0.5 D1 = [0.75, -0.875]
    // step 2: h = ln 4, r = 1/2: D' = (1 + 1/(2r)) D2 - 1/(2r) D1 = 2 D2 - D1 = [-0.3, -1.25]
    //         x2 = (1/4) x1 + (3/4) D' = [0.1875 - 0.225, -0.21875 - 0.9375]
    expectClose(x, [-0.0375, -1.15625]);
    const { denoise: d3 } = scripted([D1, D2, F(3, 4)]);
    expectClose(await sample({ sampler: 'dpmpp_2m', sigmas: [2, 1, 0.25, 0], x: X, denoise: d3 }), [3, 4]);
  });

  it('dpmpp_2m_sde (midpoint, eta 1) with seeded noise', async () => {
    const { denoise } = scripted([D1, D2]);
    const x = await sample({
      sampler: 'dpmpp_2m_sde',
      sigmas: [2, 1, 0.25],
      x: X,
      denoise,
      rng: new Rng(3),
    });
    const noise = new Rng(3);
    const n1 = noise.randn(2);
    const n2 = noise.randn(2);
    // step 1: h = ln 2: x1 = (1/2) e^-h x + (1 - e^-2h) D1 + 1 * sqrt(1 - e^-2h) n1
    const x1 = [0, 1].map((k) => 0.25 * X[k]! + 0.75 * D1[k]! + Math.sqrt(0.75) * n1[k]!);
    // step 2: h = ln 4, r = 1/2: x2 = (1/4) e^-h x1 + (1 - e^-2h) D2 + 0.5 (1 - e^-2h) / r (D2 - D1)
    //         + 0.25 sqrt(1 - e^-2h) n2
    const x2 = [0, 1].map(
      (k) =>
        0.0625 * x1[k]! + 0.9375 * D2[k]! + 0.9375 * (D2[k]! - D1[k]!) + 0.25 * Math.sqrt(0.9375) * n2[k]!,
    );
    expectClose(x, x2, 5);
    // eta 0 is the deterministic DPM-Solver++(2M) SDE limit: same as dpmpp_2m's data-prediction
    // update on step 1, (sigma'/sigma) x + (1 - sigma'/sigma) D
    const { denoise: d0 } = scripted([D1]);
    expectClose(
      await sample({ sampler: 'dpmpp_2m_sde', sigmas: [2, 1], x: X, denoise: d0, eta: 0 }),
      [0.75, -0.875],
    );
  });
});

describe('sample() plumbing', () => {
  it('calls onStep after every step and passes step indices to the denoiser', async () => {
    const seen: [number, number, number[], number[]][] = [];
    const steps: number[] = [];
    const denoise: Denoiser = async (x, _sigma, step) => {
      steps.push(step);
      return Float32Array.from(x, (v) => v / 2);
    };
    await sample({
      sampler: 'heun',
      sigmas: [3, 2, 1, 0],
      x: F(1),
      denoise,
      onStep: (s, total, x, d) => {
        seen.push([s, total, Array.from(x), Array.from(d)]);
      },
    });
    expect(seen.map((s) => [s[0], s[1]])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(steps).toEqual([0, 0, 1, 1, 2]);
  });

  it('aborts between steps with an AbortError', async () => {
    const controller = new AbortController();
    let calls = 0;
    const denoise: Denoiser = async (x) => {
      calls++;
      return Float32Array.from(x, (v) => v * 0.9);
    };
    const run = sample({
      sampler: 'euler',
      sigmas: getSigmas('karras', 10),
      x: F(1, 2, 3),
      denoise,
      signal: controller.signal,
      onStep: (step) => {
        if (step === 2) controller.abort('user cancelled');
      },
    });
    await expect(run).rejects.toBeInstanceOf(SamplingAbortedError);
    await expect(run).rejects.toMatchObject({ name: 'AbortError', step: 3 });
    expect(calls).toBe(3);
    const pre = { aborted: true, reason: 'x' };
    await expect(sample({ sampler: 'euler', sigmas: [1, 0], x: F(1), denoise, signal: pre })).rejects.toThrow(
      /aborted before step 0/,
    );
  });

  it('validates its inputs', async () => {
    const id: Denoiser = async (x) => x;
    await expect(
      sample({ sampler: 'euler_ancestral', sigmas: [1, 0], x: F(1), denoise: id }),
    ).rejects.toThrow(/rng/);
    await expect(sample({ sampler: 'euler', sigmas: [1, 2], x: F(1), denoise: id })).rejects.toThrow(
      RangeError,
    );
    await expect(sample({ sampler: 'euler', sigmas: [1, -1], x: F(1), denoise: id })).rejects.toThrow(
      RangeError,
    );
    await expect(sample({ sampler: 'euler', sigmas: [0, 0], x: F(1), denoise: id })).rejects.toThrow(
      RangeError,
    );
    await expect(
      sample({ sampler: 'euler', sigmas: [1, 0], x: F(1, 2), denoise: async () => F(1) }),
    ).rejects.toThrow(/expected 2/);
    await expect(
      sample({ sampler: 'nope' as SamplerName, sigmas: [1, 0], x: F(1), denoise: id }),
    ).rejects.toThrow(RangeError);
    // empty schedule (denoise 0) returns the input unchanged
    expect(Array.from(await sample({ sampler: 'euler', sigmas: [], x: F(5), denoise: id }))).toEqual([5]);
  });

  it('initial noise helpers', () => {
    expectClose(noiseToLatent(F(1, -2), 3), [3, -6]);
    expectClose(noiseImageLatent(F(0.5, 1), F(1, -2), 3), [3.5, -5]);
    expect(() => noiseImageLatent(F(1), F(1, 2), 1)).toThrow(RangeError);
  });
});

describe('ddim equals euler in sigma space', () => {
  it('matches a DDPM-space DDIM implementation over SD1.5 timesteps', async () => {
    const sc = SD15_SCHEDULE;
    const ts = [951, 801, 601, 401, 201, 51, 1];
    const rng = new Rng(12);
    const w = rng.randn(16);
    // an arbitrary eps-model on the DDPM latent z_t: eps = tanh(w * z) + 0.1 t/1000
    const epsOf = (z: Float32Array, t: number) =>
      Float32Array.from(z, (v, k) => Math.tanh(w[k]! * v) + t / 10000);
    // reference DDIM (Song et al. eq. 12, eta 0) on z
    const z0 = rng.randn(16);
    let z = Float64Array.from(z0);
    for (let i = 0; i < ts.length; i++) {
      const a = sc.alphasCumprod[ts[i]!]!;
      const aNext = i + 1 < ts.length ? sc.alphasCumprod[ts[i + 1]!]! : 1;
      const eps = epsOf(Float32Array.from(z), ts[i]!);
      z = z.map((v, k) => {
        const x0 = (v - Math.sqrt(1 - a) * eps[k]!) / Math.sqrt(a);
        return Math.sqrt(aNext) * x0 + Math.sqrt(1 - aNext) * eps[k]!;
      });
    }
    // sigma-space sampler at the same timesteps: x = z / sqrt(abar)
    const sigmas = [...ts.map((t) => sc.sigmas[t]!), 0];
    const x0 = Float32Array.from(z0, (v) => v / Math.sqrt(sc.alphasCumprod[ts[0]!]!));
    const model = async (scaled: Float32Array, t: number) => ({ cond: epsOf(scaled, Math.round(t)) });
    const den = epsDenoiser(model, { sigmaToTimestep: (s) => sc.sigmaToTimestep(s), cfgScale: 1 });
    const ddim = await sample({ sampler: 'ddim', sigmas, x: x0, denoise: den });
    const euler = await sample({ sampler: 'euler', sigmas, x: x0, denoise: den });
    expectClose(ddim, z, 4);
    expectClose(euler, ddim, 5);
  });
});

// ---------------------------------------------------------------------------------------------
// Convergence on data with a known exact denoiser.

/** Gaussian data x0 ~ N(mu_k, s_k^2) per dimension: D(x, sigma) = mu + s^2/(s^2+sigma^2) (x - mu). */
function gaussianProblem(dim: number, seed: number) {
  const r = new Rng(seed);
  const mu = Float64Array.from({ length: dim }, () => r.normal());
  const s = Float64Array.from({ length: dim }, () => 0.3 + r.nextFloat());
  const denoise: Denoiser = async (x, sigma) =>
    Float32Array.from(x, (v, k) => mu[k]! + (s[k]! ** 2 / (s[k]! ** 2 + sigma * sigma)) * (v - mu[k]!));
  /** exact probability-flow ODE solution: x - mu scales with sqrt(s^2 + sigma^2) */
  const exact = (xT: Float32Array, sigmaT: number, sigma: number) =>
    Float64Array.from(
      xT,
      (v, k) => mu[k]! + (v - mu[k]!) * Math.sqrt((s[k]! ** 2 + sigma ** 2) / (s[k]! ** 2 + sigmaT ** 2)),
    );
  return { denoise, exact, r };
}

/** Two-point data {A, B} with weights {wA, wB}: D is the posterior mean. */
function twoPointDenoiser(A: number, B: number, wA: number): (v: number, sigma: number) => number {
  return (v, sigma) => {
    const la = Math.log(wA) - (v - A) ** 2 / (2 * sigma * sigma);
    const lb = Math.log(1 - wA) - (v - B) ** 2 / (2 * sigma * sigma);
    const m = Math.max(la, lb);
    const ea = Math.exp(la - m);
    const eb = Math.exp(lb - m);
    return (ea * A + eb * B) / (ea + eb);
  };
}

function orders(errs: number[]): number[] {
  return errs.slice(1).map((e, i) => Math.log2(errs[i]! / e));
}

const DETERMINISTIC: [SamplerName, number, number][] = [
  // sampler, minimum and maximum observed order
  ['euler', 0.85, 1.3],
  ['ddim', 0.85, 1.3],
  ['heun', 1.75, 2.5],
  ['dpmpp_2m', 1.75, 2.5],
];

describe('convergence order of the deterministic samplers (probability-flow ODE)', () => {
  const sigmaMax = 10;
  const sigmaMin = 0.05;
  for (const [name, lo, hi] of DETERMINISTIC) {
    for (const spacing of ['karras', 'exponential'] as const) {
      it(`${name} on Gaussian data (${spacing} spacing) has order ~${lo < 1 ? 1 : 2}`, async () => {
        const { denoise, exact, r } = gaussianProblem(64, 3);
        const xT = Float32Array.from(r.randn(64), (v) => v * sigmaMax);
        const want = exact(xT, sigmaMax, sigmaMin);
        const errs: number[] = [];
        for (const n of [10, 20, 40]) {
          const full =
            spacing === 'karras'
              ? karrasSigmas(n, sigmaMin, sigmaMax)
              : exponentialSigmas(n, sigmaMin, sigmaMax);
          // stop at sigmaMin (drop the final jump to 0, whose error does not shrink with n)
          const x = await sample({ sampler: name, sigmas: full.subarray(0, n), x: xT, denoise });
          let e = 0;
          for (let k = 0; k < x.length; k++) e = Math.max(e, Math.abs(x[k]! - want[k]!));
          errs.push(e);
        }
        for (const p of orders(errs)) {
          expect(p).toBeGreaterThan(lo);
          expect(p).toBeLessThan(hi);
        }
      });
    }
  }

  it('euler, heun and dpmpp_2m converge at their orders on a two-point mixture (RK4 reference)', async () => {
    const D = twoPointDenoiser(-1, 1.5, 0.3);
    const denoise: Denoiser = async (x, sigma) => Float32Array.from(x, (v) => D(v, sigma));
    const sMax = 10;
    const sMin = 0.3;
    const xT = Float32Array.from(new Rng(4).randn(32), (v) => v * sMax);
    // reference: classical RK4 in u = ln(sigma) on dx/du = x - D(x, e^u), 4000 steps
    const ref = Array.from(xT, (x0) => {
      const m = 4000;
      const h = (Math.log(sMin) - Math.log(sMax)) / m;
      const f = (x: number, u: number) => x - D(x, Math.exp(u));
      let x = x0;
      let u = Math.log(sMax);
      for (let i = 0; i < m; i++) {
        const k1 = f(x, u);
        const k2 = f(x + (h / 2) * k1, u + h / 2);
        const k3 = f(x + (h / 2) * k2, u + h / 2);
        const k4 = f(x + h * k3, u + h);
        x += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
        u += h;
      }
      return x;
    });
    const bands: Record<string, [number, number]> = {
      euler: [0.85, 1.3],
      heun: [1.7, 2.3],
      dpmpp_2m: [1.6, 2.3],
    };
    for (const [name, [lo, hi]] of Object.entries(bands)) {
      const errs: number[] = [];
      for (const n of [40, 80, 160]) {
        const sigmas = karrasSigmas(n, sMin, sMax).subarray(0, n);
        const x = await sample({ sampler: name as SamplerName, sigmas, x: xT, denoise });
        let e = 0;
        for (let k = 0; k < x.length; k++) e += (x[k]! - ref[k]!) ** 2;
        errs.push(Math.sqrt(e / x.length));
      }
      for (const p of orders(errs)) {
        expect(p, name).toBeGreaterThan(lo);
        expect(p, name).toBeLessThan(hi);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Stochastic samplers: distribution of the samples.

function moments(x: Float32Array): { mean: number; std: number } {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let v2 = 0;
  for (const v of x) v2 += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(v2 / x.length) };
}

describe('stochastic samplers reproduce the data distribution', () => {
  const mu = 0.5;
  const s = 0.7;
  const n = 10_000;
  // every element is an independent 1-D sample of N(mu, s^2)
  const denoise: Denoiser = async (x, sigma) =>
    Float32Array.from(x, (v) => mu + ((s * s) / (s * s + sigma * sigma)) * (v - mu));

  async function run(sampler: SamplerName, steps: number, seed: number): Promise<Float32Array> {
    const rng = new Rng(seed);
    const sigmas = getSigmas('karras', steps);
    const x = Float32Array.from(rng.randn(n), (v) => mu + v * Math.sqrt(s * s + sigmas[0]! ** 2));
    return sample({ sampler, sigmas, x, denoise, rng });
  }

  it('euler_ancestral: one step matches the exact Gaussian transition of the discretised chain', async () => {
    // x ~ N(mu, s^2 + sigma^2); one ancestral step from sigma to sigma' with the exact denoiser:
    // y' = a y + sigma_up n with a = 1 + (sigma_down - sigma) (1 - k) / sigma, k = s^2/(s^2+sigma^2)
    const sigma = 3;
    const next = 1.2;
    const rng = new Rng(21);
    const x = Float32Array.from(rng.randn(40_000), (v) => mu + v * Math.sqrt(s * s + sigma * sigma));
    const out = await sample({ sampler: 'euler_ancestral', sigmas: [sigma, next], x, denoise, rng });
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, next);
    const k = (s * s) / (s * s + sigma * sigma);
    const a = 1 + ((sigmaDown - sigma) * (1 - k)) / sigma;
    const wantStd = Math.sqrt(a * a * (s * s + sigma * sigma) + sigmaUp * sigmaUp);
    const m = moments(out);
    expect(m.mean).toBeCloseTo(mu, 1);
    expect(Math.abs(m.std / wantStd - 1)).toBeLessThan(0.015);
  });

  it('euler_ancestral converges to N(mu, s^2) (weak order ~1)', async () => {
    const m50 = moments(await run('euler_ancestral', 50, 1));
    const m200 = moments(await run('euler_ancestral', 200, 1));
    expect(Math.abs(m200.mean - mu)).toBeLessThan(0.02);
    expect(Math.abs(m200.std - s)).toBeLessThan(0.025);
    // the bias shrinks with the step count
    expect(Math.abs(m200.std - s)).toBeLessThan(Math.abs(m50.std - s));
  });

  it('dpmpp_2m_sde matches N(mu, s^2)', async () => {
    for (const steps of [30, 100]) {
      const m = moments(await run('dpmpp_2m_sde', steps, 2));
      expect(Math.abs(m.mean - mu)).toBeLessThan(0.02);
      expect(Math.abs(m.std - s)).toBeLessThan(0.025);
    }
  });

  it('ancestral samplers on two-point data land on the points with the right weights', async () => {
    const D = twoPointDenoiser(-1, 1.5, 0.3);
    const den: Denoiser = async (x, sigma) => Float32Array.from(x, (v) => D(v, sigma));
    for (const sampler of ['euler_ancestral', 'dpmpp_2m_sde'] as const) {
      const rng = new Rng(8);
      const sigmas = getSigmas('karras', 40);
      const x = noiseToLatent(rng.randn(4000), sigmas[0]!);
      const out = await sample({ sampler, sigmas, x, denoise: den, rng });
      let nearA = 0;
      let nearB = 0;
      for (const v of out) {
        if (Math.abs(v + 1) < 0.01) nearA++;
        else if (Math.abs(v - 1.5) < 0.01) nearB++;
      }
      expect(nearA + nearB).toBeGreaterThan(3990);
      expect(nearA / out.length).toBeGreaterThan(0.26);
      expect(nearA / out.length).toBeLessThan(0.34);
    }
  });

  it('seeded samplers are reproducible and differ between seeds', async () => {
    const a = await run('dpmpp_2m_sde', 10, 5);
    const b = await run('dpmpp_2m_sde', 10, 5);
    const c = await run('dpmpp_2m_sde', 10, 6);
    expect(Array.from(a.subarray(0, 50))).toEqual(Array.from(b.subarray(0, 50)));
    expect(Array.from(a.subarray(0, 50))).not.toEqual(Array.from(c.subarray(0, 50)));
  });
});

describe('all samplers', () => {
  it('land on the exact data point for a one-point data set', async () => {
    // data = {c}: D(x, sigma) = c for all x, so every sampler must end at c
    const c = F(0.25, -1.5, 3);
    const denoise: Denoiser = async () => Float32Array.from(c);
    for (const sampler of SAMPLER_NAMES) {
      const rng = new Rng(1);
      const sigmas = getSigmas('normal', 8);
      const x = noiseImageLatent(F(0, 0, 0), rng.randn(3), sigmas[0]!);
      expectClose(await sample({ sampler, sigmas, x, denoise, rng }), c, 5);
    }
  });
});
