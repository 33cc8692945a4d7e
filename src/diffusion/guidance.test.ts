import { describe, expect, it } from 'vitest';
import { Rng } from '../runtime/rng';
import { cfgCombine, cIn, type EpsModel, epsDenoiser, epsToX0, scaleModelInput, x0ToEps } from './guidance';
import { type Denoiser, sample } from './samplers';
import { getSigmas, SD15_SCHEDULE } from './schedule';

const F = (...v: number[]) => Float32Array.from(v);

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, digits = 6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, digits);
}

describe('eps-prediction helpers', () => {
  it('c_in = 1/sqrt(sigma^2+1) makes the input the DDPM latent', () => {
    expect(cIn(0)).toBe(1);
    expect(cIn(1)).toBeCloseTo(Math.SQRT1_2, 15);
    expect(cIn(Math.sqrt(3))).toBeCloseTo(0.5, 15);
    // x = z / sqrt(abar), sigma = sqrt((1-abar)/abar)  =>  c_in x = z
    const t = 500;
    const abar = SD15_SCHEDULE.alphasCumprod[t]!;
    const z = F(0.3, -1.2);
    const x = Float32Array.from(z, (v) => v / Math.sqrt(abar));
    expectClose(scaleModelInput(x, SD15_SCHEDULE.sigmas[t]!), z);
  });

  it('x0 = x - sigma eps and back', () => {
    const x = F(1, -2, 0.5);
    const eps = F(0.2, 0.4, -1);
    const x0 = epsToX0(x, eps, 2);
    expectClose(x0, [0.6, -2.8, 2.5]);
    expectClose(x0ToEps(x, x0, 2), eps);
    expect(() => x0ToEps(x, x0, 0)).toThrow(RangeError);
    expect(() => epsToX0(x, F(1), 1)).toThrow(RangeError);
  });
});

describe('classifier-free guidance', () => {
  it('combines uncond + cfg (cond - uncond)', () => {
    const u = F(1, 0, -1);
    const c = F(2, 1, -3);
    expectClose(cfgCombine(u, c, 7.5), [8.5, 7.5, -16]);
    expectClose(cfgCombine(u, c, 1), c);
    expectClose(cfgCombine(u, c, 0), u);
    expect(() => cfgCombine(u, F(1), 2)).toThrow(RangeError);
  });

  it('clamps the guided estimate only when a range is given', () => {
    const u = F(1, 0, -1);
    const c = F(2, 1, -3);
    expectClose(cfgCombine(u, c, 7.5, { min: -4, max: 4 }), [4, 4, -4]);
    expectClose(cfgCombine(u, c, 0.5, { min: -4, max: 4 }), [1.5, 0.5, -2]);
    const out = new Float32Array(3);
    expect(cfgCombine(u, c, 2, undefined, out)).toBe(out);
    expectClose(out, [3, 2, -5]);
    expect(() => cfgCombine(u, c, 2, { min: 1, max: 0 })).toThrow(RangeError);
  });

  it('epsDenoiser scales the input, converts eps to x0 and applies cfg (+ clamp)', async () => {
    const calls: { scaled: number[]; t: number; sigma: number }[] = [];
    const model: EpsModel = async (scaled, t, sigma) => {
      calls.push({ scaled: Array.from(scaled), t, sigma });
      return { cond: F(0.5, -0.5), uncond: F(0.1, 0.1) };
    };
    const sigma = SD15_SCHEDULE.sigmas[700]!;
    const den = epsDenoiser(model, { sigmaToTimestep: (s) => SD15_SCHEDULE.sigmaToTimestep(s), cfgScale: 3 });
    const x = F(2, -1);
    const out = await den(x, sigma, 0);
    expect(calls[0]!.t).toBeCloseTo(700, 8);
    expectClose(calls[0]!.scaled, [2 * cIn(sigma), -cIn(sigma)]);
    // eps_guided = 0.1 + 3 (cond - 0.1) = [1.3, -1.7]; x0 = x - sigma eps
    expectClose(out, [2 - sigma * 1.3, -1 + sigma * 1.7], 4);
    const clamped = epsDenoiser(model, {
      sigmaToTimestep: (s) => SD15_SCHEDULE.sigmaToTimestep(s),
      cfgScale: 3,
      range: { min: -1, max: 1 },
    });
    expectClose(await clamped(x, sigma, 0), [-1, 1]);
    const condOnly = epsDenoiser(async () => ({ cond: F(1, 1) }), { sigmaToTimestep: () => 0, cfgScale: 7 });
    expectClose(await condOnly(x, 2, 0), [0, -3]);
  });

  it('clamping the guided x0 keeps cfg on an exact finite-set denoiser inside the data range', async () => {
    // data = {-1, 0.5, 1}; the condition selects {0.5, 1}. Both denoisers are exact posterior means.
    const post = (v: number, sigma: number, pts: number[]) => {
      const l = pts.map((p) => -((v - p) ** 2) / (2 * sigma * sigma));
      const m = Math.max(...l);
      const w = l.map((q) => Math.exp(q - m));
      const total = w.reduce((a, b) => a + b, 0);
      return pts.reduce((a, p, i) => a + p * w[i]!, 0) / total;
    };
    const run = async (range?: { min: number; max: number }) => {
      let maxX0 = Number.NEGATIVE_INFINITY;
      const denoise: Denoiser = async (x, sigma) => {
        const g = cfgCombine(
          Float32Array.from(x, (v) => post(v, sigma, [-1, 0.5, 1])),
          Float32Array.from(x, (v) => post(v, sigma, [0.5, 1])),
          7.5,
          range,
        );
        for (const v of g) maxX0 = Math.max(maxX0, v);
        return g;
      };
      const rng = new Rng(1);
      const sigmas = getSigmas('karras', 20);
      const x = Float32Array.from(rng.randn(1000), (v) => v * sigmas[0]!);
      const out = await sample({ sampler: 'euler', sigmas, x, denoise });
      return { out, maxX0 };
    };
    const free = await run();
    // unclamped guidance extrapolates far outside the data
    expect(free.maxX0).toBeGreaterThan(3);
    const clamped = await run({ min: -1, max: 1 });
    expect(clamped.maxX0).toBeLessThanOrEqual(1);
    let near05 = 0;
    let near1 = 0;
    for (const v of clamped.out) {
      expect(v).toBeGreaterThanOrEqual(-1);
      expect(v).toBeLessThanOrEqual(1);
      if (Math.abs(v - 0.5) < 0.02) near05++;
      if (Math.abs(v - 1) < 0.02) near1++;
    }
    // guided samples end on the conditioned points (never on -1)
    expect(near05 + near1).toBe(clamped.out.length);
  });
});

describe('per-channel latent range', () => {
  it('clamps each channel of an NCHW latent to its own bounds', () => {
    // two channels of two values each
    const cond = Float32Array.from([5, -5, 5, -5]);
    const uncond = new Float32Array(4);
    const out = cfgCombine(uncond, cond, 1, { min: [-1, -2], max: [1, 2], channelSize: 2 });
    expect(Array.from(out)).toEqual([1, -1, 2, -2]);
  });
});
