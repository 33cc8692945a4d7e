/**
 * The ports against reference traces made by the real diffusers (0.31, torch, numpy):
 * test/fixtures/schedulers/traces.json, written by python/kosmograph_tools/scheduler_traces.py.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alphasCumprod, type BetaSchedule } from './alphas';
import {
  createDiffusersScheduler,
  type DiffusersScheduler,
  type DiffusersSchedulerName,
  img2imgStartIndex,
  parseSchedulerConfig,
} from './index';

interface StepRecord {
  prev_sample: number[];
  pred_original?: number[];
}
interface Run {
  timesteps: number[];
  init_noise_sigma: number;
  order: number;
  sigmas?: number[];
  steps?: StepRecord[];
  final?: number[];
}
interface Img2Img {
  steps: number;
  strength: number;
  start_index: number;
  noised: number[];
  final: number[];
}
interface TraceCase {
  variant: string;
  scheduler: DiffusersSchedulerName;
  config: Record<string, unknown>;
  runs: Record<string, Run>;
  img2img?: Img2Img[];
}
interface Traces {
  unit_noise: number[];
  original: number[];
  tables: Record<string, { config: Record<string, number | string>; alphas_cumprod: number[] }>;
  cases: TraceCase[];
  /** schedules diffusers itself cannot step through (runs hold no steps / final) */
  schedules: TraceCase[];
}

const FILE = join(import.meta.dirname, '../../../test/fixtures/schedulers/traces.json');
const traces = JSON.parse(readFileSync(FILE, 'utf8')) as Traces;
const noise = Float32Array.from(traces.unit_noise);
const original = Float32Array.from(traces.original);

/** The trace's toy model: float64 from the float32 model input, rounded to float32. */
function toyModel(x: Float32Array, t: number): Float32Array {
  return x.map((v, k) => 0.3 * v * Math.sin(t / 100) + 0.1 * Math.cos(t / 50 + k));
}

/**
 * Largest |got - want| / max(1, |want|): an absolute error for values up to 1, relative above
 * (float32 values of 20 or 10^4 cannot agree to 1e-5 absolute unless bit-exact, and torch's own
 * float32 sqrt / log / exp are not correctly rounded, so bit-exact is not on offer).
 */
function maxErr(got: Float32Array, want: readonly number[]): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) {
    const w = Math.fround(want[i]!); // the fixture stores float32 values in their shortest text
    m = Math.max(m, Math.abs(got[i]! - w) / Math.max(1, Math.abs(w)));
  }
  return m;
}

function expectRel(got: number, want: number, rel: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want));
}

const TOL = 1e-5;

/** The pipeline loop from `start`; checks each step against `records` when given. */
function runLoop(
  sched: DiffusersScheduler,
  x0: Float32Array,
  start: number,
  records?: readonly StepRecord[],
): Float32Array {
  let x = x0;
  for (let i = start; i < sched.timesteps.length; i++) {
    const eps = toyModel(sched.scaleModelInput(x, i), sched.timesteps[i]!);
    const out = sched.step(eps, i, x);
    const rec = records?.[i - start];
    if (rec !== undefined) {
      expect(maxErr(out.prevSample, rec.prev_sample), `prev_sample at step ${i}`).toBeLessThanOrEqual(TOL);
      if (rec.pred_original !== undefined) {
        expect(maxErr(out.predOriginal, rec.pred_original), `pred_original at step ${i}`).toBeLessThanOrEqual(
          TOL,
        );
      }
    }
    x = out.prevSample;
  }
  return x;
}

/** timesteps (exact), order, init_noise_sigma and sigmas (rel 1e-6) against a trace run. */
function expectSchedule(sched: DiffusersScheduler, tc: TraceCase, run: Run): void {
  if (tc.scheduler === 'euler' && tc.config.use_karras_sigmas === true) {
    // Euler + Karras keeps _sigma_to_t's fractional timesteps, computed from numpy's SIMD
    // float32 log of the training sigmas (not correctly rounded, up to a few ulps): these
    // agree to 1e-4 of a training step (seen: 3e-5); every other timestep list is exact
    expect(sched.timesteps.length).toBe(run.timesteps.length);
    for (const [i, t] of sched.timesteps.entries()) {
      expect(Math.abs(t - run.timesteps[i]!)).toBeLessThanOrEqual(1e-4);
    }
  } else {
    expect(sched.timesteps).toEqual(run.timesteps);
  }
  expect(sched.order).toBe(run.order);
  expectRel(sched.initNoiseSigma, run.init_noise_sigma, 1e-6);
  if (run.sigmas !== undefined) {
    const sigmas = (sched as unknown as { sigmas: Float32Array }).sigmas;
    expect(sigmas.length).toBe(run.sigmas.length);
    for (const [i, s] of run.sigmas.entries()) expectRel(sigmas[i]!, s, 1e-6);
  }
}

describe('diffusers reference traces', () => {
  it('covers every scheduler with SD1.5 config and the fixture is the expected one', () => {
    const sd15 = traces.cases.filter((c) => c.variant === 'sd15').map((c) => c.scheduler);
    expect(sd15.sort()).toEqual(['ddim', 'dpmpp_2m', 'dpmpp_2m_karras', 'euler', 'pndm']);
    expect(traces.cases.length).toBeGreaterThan(40);
  });

  it.each(Object.entries(traces.tables))('alphas_cumprod bit-exact: %s', (_key, table) => {
    const ac = alphasCumprod({
      numTrainTimesteps: 1000,
      betaStart: (table.config.beta_start as number | undefined) ?? 0.0001,
      betaEnd: (table.config.beta_end as number | undefined) ?? 0.02,
      betaSchedule: table.config.beta_schedule as BetaSchedule,
    });
    expect(ac).toEqual(Float32Array.from(table.alphas_cumprod));
  });

  describe.each(traces.cases.map((c) => [`${c.scheduler} / ${c.variant}`, c] as const))(
    '%s',
    (_label, tc) => {
      const config = parseSchedulerConfig(tc.config, 'traces.json');

      it.each(Object.entries(tc.runs))('%s steps', (stepsKey, run) => {
        const sched = createDiffusersScheduler(tc.scheduler, config, Number(stepsKey));
        expectSchedule(sched, tc, run);
        const x = noise.map((v) => v * sched.initNoiseSigma);
        const final = runLoop(sched, x, 0, run.steps);
        expect(maxErr(final, run.final!)).toBeLessThanOrEqual(TOL);
      });

      if (tc.img2img !== undefined) {
        it.each(tc.img2img.map((r) => [`${r.steps} steps, strength ${r.strength}`, r] as const))(
          'img2img %s',
          (_l, r) => {
            const sched = createDiffusersScheduler(tc.scheduler, config, r.steps);
            const start = img2imgStartIndex(sched, r.steps, r.strength);
            expect(start).toBe(r.start_index);
            const noised = sched.addNoise(original, noise, start);
            expect(maxErr(noised, r.noised)).toBeLessThanOrEqual(TOL);
            const final = runLoop(sched, noised, start);
            expect(maxErr(final, r.final)).toBeLessThanOrEqual(TOL);
          },
        );
      }
    },
  );

  describe.each(traces.schedules.map((c) => [`${c.scheduler} / ${c.variant}`, c] as const))(
    '%s (schedule only)',
    (_label, tc) => {
      it.each(Object.entries(tc.runs))('%s steps', (stepsKey, run) => {
        const config = parseSchedulerConfig(tc.config, 'traces.json');
        expectSchedule(createDiffusersScheduler(tc.scheduler, config, Number(stepsKey)), tc, run);
      });
    },
  );
});
