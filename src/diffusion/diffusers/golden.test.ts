/**
 * The ports against the tiny-SD1.5 pipeline goldens (test/fixtures/sd15/golden/pipeline.json, made
 * with diffusers' StableDiffusionPipeline): the schedules for several step counts from SD1.5's
 * own scheduler_config.json, and each scheduler's saved config (scheduler.config after
 * from_config, every key spelled out) at the pipeline's step count.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createDiffusersScheduler,
  DIFFUSERS_SCHEDULERS,
  type DiffusersScheduler,
  parseSchedulerConfig,
  parseSchedulerConfigText,
} from './index';

interface Schedule {
  timesteps: number[];
  init_noise_sigma: number;
  sigmas?: number[];
}
interface Golden {
  steps: number;
  schedules: Record<string, Record<string, Schedule>>;
  schedulers: Record<string, Schedule & { config: Record<string, unknown>; order: number }>;
}

const SD15 = join(import.meta.dirname, '../../../test/fixtures/sd15');
// Python's json writes lambda_min_clipped as the bare token -Infinity; -1e999 parses to it
const golden = JSON.parse(
  readFileSync(join(SD15, 'golden/pipeline.json'), 'utf8').replace(/-Infinity\b/g, '-1e999'),
) as Golden;
const CONFIG_FILE = join(SD15, 'optimum/scheduler/scheduler_config.json');
const sd15Config = parseSchedulerConfigText(readFileSync(CONFIG_FILE, 'utf8'), CONFIG_FILE);

function expectRel(got: number, want: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-6 * Math.abs(want));
}

function expectSchedule(sched: DiffusersScheduler, want: Schedule): void {
  expect(sched.timesteps).toEqual(want.timesteps);
  expectRel(sched.initNoiseSigma, want.init_noise_sigma);
  if (want.sigmas !== undefined) {
    const sigmas = (sched as unknown as { sigmas: Float32Array }).sigmas;
    expect(sigmas.length).toBe(want.sigmas.length);
    for (const [i, s] of want.sigmas.entries()) expectRel(sigmas[i]!, s);
  }
}

describe('tiny SD1.5 pipeline goldens', () => {
  it('has a schedule for every ported scheduler', () => {
    expect(Object.keys(golden.schedules).sort()).toEqual([...DIFFUSERS_SCHEDULERS].sort());
  });

  describe.each(DIFFUSERS_SCHEDULERS)('%s', (name) => {
    it.each(Object.entries(golden.schedules[name] ?? {}))(
      'from SD1.5 scheduler_config.json, %s steps',
      (steps, want) => {
        expectSchedule(createDiffusersScheduler(name, sd15Config, Number(steps)), want);
      },
    );

    it("from the pipeline scheduler's saved config", () => {
      const want = golden.schedulers[name]!;
      const config = parseSchedulerConfig(want.config, `pipeline.json schedulers.${name}.config`);
      const sched = createDiffusersScheduler(name, config, golden.steps);
      expectSchedule(sched, want);
      expect(sched.order).toBe(want.order);
    });
  });
});
