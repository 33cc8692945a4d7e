import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/engine/engine-api';
import type { HarnessApi, HarnessRunOptions, HarnessRunResult } from '../../src/harness/harness-api';
import { exampleRunner, loadExample, savedImage, withParams } from '../integration/run-example';
import { checkPicture, classifyImage, type Expectation } from '../pack/world-classifier';
import { appUrl, type OpenPage, openPage } from './browser-env';

declare const window: { harness: HarnessApi };

/** Few sampler steps keep the suite quick; the pictures are still clean at this count. */
const STEPS = 8;

const TWO = (a: Expectation['entities'][number], b: Expectation['entities'][number]): Expectation => ({
  entities: [a, b],
});
const ONE = (
  background: Expectation['background'],
  shape: 'circle' | 'square',
  color: 'red' | 'blue' | 'green',
  pastel = 0,
) => ({
  background,
  entities: [{ shape, color }],
  pastel,
});

/** Every example, with the picture each save node must show. */
const EXAMPLES: Record<
  string,
  { readonly samplers: readonly string[]; readonly saves: Record<string, Expectation> }
> = {
  'subject-driven': { samplers: ['sampler'], saves: { save: ONE('black', 'square', 'blue') } },
  'controlnet-canny': {
    samplers: ['sampler'],
    saves: { save: TWO({ shape: 'circle', color: 'red' }, { shape: 'square', color: 'yellow' }) },
  },
  'text-to-image': {
    samplers: ['sampler'],
    saves: { save: TWO({ shape: 'square', color: 'blue' }, { shape: 'triangle', color: 'yellow' }) },
  },
  'multi-entity': {
    samplers: ['sampler'],
    saves: { save: TWO({ shape: 'square', color: 'blue' }, { shape: 'triangle', color: 'yellow' }) },
  },
  style: { samplers: ['sampler'], saves: { save: ONE('black', 'square', 'blue') } },
  lora: { samplers: ['sampler'], saves: { save: ONE('black', 'circle', 'red', 0.5) } },
  compare: {
    samplers: ['sampler_sd', 'sampler_kosmos'],
    saves: { save_sd: ONE('gray', 'circle', 'green'), save_kosmos: ONE('gray', 'circle', 'green') },
  },
};

const stepSets = (name: string) => EXAMPLES[name]!.samplers.map((id) => `${id}.steps=${STEPS}`);

const node = exampleRunner('cpu');

/** The same example, same params, through the Node engine (onnxruntime-node): the reference pixels. */
async function nodePixels(name: string, saveId: string): Promise<Uint8Array> {
  const { run } = await node;
  const sets = Object.fromEntries(stepSets(name).map((t) => t.split('=') as [string, string]));
  const result = await run(withParams(loadExample(name), sets));
  return savedImage(result, saveId).image.data;
}

function pixelDiff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  expect(a.length).toBe(b.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.length };
}

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

describe.each(['webgpu', 'wasm'] as const)('the engine worker on %s', (backend) => {
  let opened: OpenPage;
  let status: EngineStatus;
  /** Runs long enough for the frame count to say something about responsiveness. */
  let longRuns = 0;

  const run = (options: HarnessRunOptions): Promise<HarnessRunResult> =>
    opened.page.evaluate((o) => window.harness.run(o), options);

  beforeAll(async () => {
    opened = await openPage(appUrl(`/harness.html?backend=${backend}&autorun=0`));
    ({ status } = await opened.page.evaluate(() => window.harness.ready()));
  });

  afterAll(async () => {
    await opened?.close();
  });

  it(`runs on ${backend} (no silent fallback)`, () => {
    expect(status.backend, status.fallbackReason).toBe(backend);
    expect(status.fallbackReason).toBeUndefined();
  });

  it.each(Object.keys(EXAMPLES))(
    '%s runs in the worker, keeps the page responsive and matches the Node run',
    async (name) => {
      const result = await run({ example: name, set: stepSets(name) });
      expect(result.status, result.error?.message).toBe('done');
      // Every step of every sampler was reported (two samplers may interleave).
      const perStep = Array.from({ length: STEPS }, (_, i) => result.steps.filter((s) => s === i + 1).length);
      expect(perStep).toEqual(new Array(STEPS).fill(EXAMPLES[name]!.samplers.length));
      expect(result.binaryPayloads).toBe(true);
      expect(result.graphUnchanged).toBe(true);
      // The main thread kept rendering while the worker computed (>= 5 frames a second on average).
      // Frame counts of sub-second runs (mostly cached nodes) say nothing on a loaded machine.
      if (result.ms >= 1000) {
        expect(result.framesDuringRun).toBeGreaterThanOrEqual(result.ms / 200);
        longRuns += 1;
      }

      const saves = EXAMPLES[name]!.saves;
      expect(result.images.map((i) => i.nodeId).sort()).toEqual(Object.keys(saves).sort());
      for (const image of result.images) {
        const pixels = fromBase64(image.rgbBase64);
        const picture = classifyImage({ width: image.width, height: image.height, data: pixels });
        expect(
          checkPicture(picture, saves[image.nodeId]!),
          `${image.nodeId}: ${JSON.stringify(picture)}`,
        ).toEqual([]);
        const diff = pixelDiff(pixels, await nodePixels(name, image.nodeId));
        expect(diff.mean, JSON.stringify(diff)).toBeLessThanOrEqual(1);
        expect(diff.max, JSON.stringify(diff)).toBeLessThanOrEqual(16);
      }
    },
  );

  it('cancelling mid-sampling stops within one step, and the next run succeeds', async () => {
    const cancelled = await run({ example: 'subject-driven', set: ['sampler.steps=30'], cancelAtStep: 3 });
    expect(cancelled.status).toBe('cancelled');
    expect(Math.max(...cancelled.steps)).toBeLessThanOrEqual(4);
    expect(cancelled.eventTypes.at(-1)).toBe('job:cancelled');
    expect(cancelled.images).toEqual([]);

    const again = await run({ example: 'subject-driven', set: [`sampler.steps=${STEPS}`] });
    expect(again.status, again.error?.message).toBe('done');
    expect(again.images).toHaveLength(1);
  });

  it('terminating the worker mid-run fails the job naming the node, and the next run succeeds', async () => {
    const killed = await run({ example: 'subject-driven', set: ['sampler.steps=30'], terminateAtStep: 2 });
    expect(killed.status).toBe('failed');
    expect(killed.error?.nodeId).toBe('sampler');
    expect(killed.error?.message).toMatch(/engine worker stopped while node "sampler" was running/);
    expect(killed.error?.message).toMatch(/terminated/);
    expect(killed.eventTypes.at(-1)).toBe('job:failed');
    expect(killed.graphUnchanged).toBe(true);
    expect(await opened.page.evaluate(() => window.harness.restarts())).toBe(1);

    const again = await run({ example: 'controlnet-canny', set: [`sampler.steps=${STEPS}`] });
    expect(again.status, again.error?.message).toBe('done');
    const after = await opened.page.evaluate(() => window.harness.status());
    expect(after.backend).toBe(backend);
  });

  it('measured a responsive page during at least one run of a second or more', () => {
    expect(longRuns).toBeGreaterThan(0);
  });

  it('logged no page errors', () => {
    expect(opened.errors).toEqual([]);
  });
});
