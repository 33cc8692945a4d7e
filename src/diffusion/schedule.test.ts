import { describe, expect, it } from 'vitest';
import {
  DiscreteSchedule,
  denoiseSigmas,
  exponentialSigmas,
  getSigmas,
  karrasSigmas,
  leadingTimesteps,
  normalSigmas,
  SCHEDULER_NAMES,
  SD15_SCHEDULE,
  sgmUniformSigmas,
} from './schedule';

const sc = SD15_SCHEDULE;

describe('SD1.5 training schedule', () => {
  it('has the scaled_linear betas and alphas_cumprod', () => {
    expect(sc.numTrainTimesteps).toBe(1000);
    expect(sc.betas[0]).toBeCloseTo(0.00085, 12);
    expect(sc.betas[999]).toBeCloseTo(0.012, 12);
    // scaled_linear: sqrt(beta) is linear in t
    const mid = (Math.sqrt(0.00085) + Math.sqrt(0.012)) / 2;
    expect(Math.sqrt(sc.betas[499]!) + Math.sqrt(sc.betas[500]!)).toBeCloseTo(2 * mid, 12);
    expect(sc.alphasCumprod[0]).toBeCloseTo(0.99915, 12);
    expect(sc.alphasCumprod[999]).toBeCloseTo(0.0046601, 6);
  });

  it('has the well-known SD1.5 sigma range', () => {
    // ComfyUI / k-diffusion: sigma_min 0.0291675, sigma_max 14.614642
    expect(sc.sigmaMin).toBeCloseTo(0.0291675, 6);
    expect(sc.sigmaMax).toBeCloseTo(14.614642, 5);
    for (let t = 0; t < 1000; t += 37) {
      const a = sc.alphasCumprod[t]!;
      expect(sc.sigmas[t]).toBeCloseTo(Math.sqrt((1 - a) / a), 12);
      expect(DiscreteSchedule.alphaCumprodFromSigma(sc.sigmas[t]!)).toBeCloseTo(a, 12);
    }
  });

  it('maps sigma <-> timestep like k-diffusion (log-sigma interpolation)', () => {
    for (const t of [0, 1, 250, 500, 998, 999]) {
      expect(sc.sigmaToTimestep(sc.sigmas[t]!)).toBeCloseTo(t, 9);
      expect(sc.timestepToSigma(t)).toBeCloseTo(sc.sigmas[t]!, 12);
    }
    // fractional timestep halfway in log sigma
    const s = Math.sqrt(sc.sigmas[400]! * sc.sigmas[401]!);
    expect(sc.sigmaToTimestep(s)).toBeCloseTo(400.5, 9);
    expect(sc.timestepToSigma(400.5)).toBeCloseTo(s, 12);
    // round trip at arbitrary sigmas
    for (const sigma of [0.05, 0.3, 1, 2.5, 7, 14]) {
      expect(sc.timestepToSigma(sc.sigmaToTimestep(sigma))).toBeCloseTo(sigma, 10);
    }
    // clamped outside the range
    expect(sc.sigmaToTimestep(100)).toBe(999);
    expect(sc.sigmaToTimestep(1e-4)).toBe(0);
    expect(sc.timestepToSigma(-5)).toBeCloseTo(sc.sigmaMin, 12);
    expect(sc.timestepToSigma(5000)).toBeCloseTo(sc.sigmaMax, 12);
    // quantized
    expect(sc.sigmaToTimestep(sc.timestepToSigma(300.4), true)).toBe(300);
    expect(sc.sigmaToTimestep(sc.timestepToSigma(300.6), true)).toBe(301);
    expect(() => sc.sigmaToTimestep(0)).toThrow(RangeError);
  });

  it('supports a linear beta schedule', () => {
    const lin = new DiscreteSchedule({
      numTrainTimesteps: 1000,
      betaStart: 0.0001,
      betaEnd: 0.02,
      betaSchedule: 'linear',
    });
    expect(lin.betas[500]).toBeCloseTo(0.0001 + (500 * (0.02 - 0.0001)) / 999, 12);
  });
});

function expectDescendingToZero(s: Float64Array, steps: number): void {
  expect(s.length).toBe(steps + 1);
  expect(s[steps]).toBe(0);
  for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThan(s[i - 1]!);
}

describe('schedulers', () => {
  it('normal: diffusers leading spacing with steps_offset 1', () => {
    const ts = leadingTimesteps(20);
    expect(ts.length).toBe(20);
    expect(ts[0]).toBe(951);
    expect(ts[1]).toBe(901);
    expect(ts[19]).toBe(1);
    expect(ts).toEqual(Array.from({ length: 20 }, (_, i) => 951 - 50 * i));
    expect(leadingTimesteps(50).slice(0, 2)).toEqual([981, 961]);
    expect(leadingTimesteps(30).slice(0, 2)).toEqual([958, 925]);
    expect(leadingTimesteps(30).at(-1)).toBe(1);
    const s = normalSigmas(20);
    expectDescendingToZero(s, 20);
    expect(s[0]).toBeCloseTo(sc.sigmas[951]!, 12);
    expect(s[19]).toBeCloseTo(sc.sigmas[1]!, 12);
    expect(s[0]).toBeCloseTo(11.0283, 3);
    expect(s[19]).toBeCloseTo(0.041314, 5);
  });

  it('karras: endpoints and rho-7 spacing', () => {
    const s = karrasSigmas(20, sc.sigmaMin, sc.sigmaMax);
    expectDescendingToZero(s, 20);
    expect(s[0]).toBeCloseTo(14.614642, 5);
    expect(s[19]).toBeCloseTo(0.0291675, 6);
    // sigma^(1/7) is linear in the step index
    const r = Array.from(s.subarray(0, 20), (v) => v ** (1 / 7));
    for (let i = 1; i < 19; i++) expect(r[i + 1]! - r[i]!).toBeCloseTo(r[1]! - r[0]!, 12);
    expect(getSigmas('karras', 20)).toEqual(s);
    const one = karrasSigmas(1, 0.1, 10);
    expect(one.length).toBe(2);
    expect(one[0]).toBeCloseTo(10, 12);
    expect(one[1]).toBe(0);
  });

  it('exponential: log-linear between sigma_max and sigma_min', () => {
    const s = exponentialSigmas(5, sc.sigmaMin, sc.sigmaMax);
    expectDescendingToZero(s, 5);
    expect(s[0]).toBeCloseTo(sc.sigmaMax, 12);
    expect(s[4]).toBeCloseTo(sc.sigmaMin, 12);
    for (let i = 1; i < 4; i++) expect(s[i]! / s[i - 1]!).toBeCloseTo(s[4]! / s[3]!, 12);
  });

  it('sgm_uniform: timesteps linspace(999, 0, steps+1)[:-1]', () => {
    const s = sgmUniformSigmas(5);
    expectDescendingToZero(s, 5);
    const ts = [999, 799.2, 599.4, 399.6, 199.8];
    ts.forEach((t, i) => {
      expect(s[i]).toBeCloseTo(sc.timestepToSigma(t), 12);
    });
    expect(s[0]).toBeCloseTo(sc.sigmaMax, 12);
  });

  it('every scheduler gives steps+1 descending sigmas ending in 0', () => {
    for (const name of SCHEDULER_NAMES) {
      for (const steps of [1, 2, 7, 20, 50]) expectDescendingToZero(getSigmas(name, steps), steps);
    }
    expect(() => getSigmas('karras', 0)).toThrow(RangeError);
    expect(() => getSigmas('normal', 1001)).toThrow(RangeError);
  });

  it('denoise < 1 keeps the tail of a longer schedule (ComfyUI)', () => {
    const full = getSigmas('karras', 20);
    const tail = denoiseSigmas('karras', 10, 0.5);
    expect(tail.length).toBe(11);
    expect(Array.from(tail)).toEqual(Array.from(full.slice(10)));
    // floor(10 / 0.3) = 33 total steps
    expect(Array.from(denoiseSigmas('normal', 10, 0.3))).toEqual(
      Array.from(getSigmas('normal', 33).slice(23)),
    );
    expect(denoiseSigmas('sgm_uniform', 8, 1)).toEqual(getSigmas('sgm_uniform', 8));
    expect(denoiseSigmas('karras', 8, 0).length).toBe(0);
    expect(() => denoiseSigmas('karras', 8, 1.5)).toThrow(RangeError);
    // normal cannot exceed 1000 steps: capped
    expect(denoiseSigmas('normal', 20, 0.01).length).toBe(21);
  });
});
