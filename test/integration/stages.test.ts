import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import type { GraphDocument } from '../../src/core/document';
import { createEngineService } from '../../src/engine/engine-service';
import type { EngineEvent, JobResult } from '../../src/engine/events';
import { createNodeRuntime } from '../../src/runtime/node/node-runtime';
import { SD15_DIR, text2imageGraph } from '../sd15/sd15-graphs';
import { EXAMPLES_DIR, loadExample, registry, withParams } from './run-example';

type StageEvent = Extract<EngineEvent, { type: 'node:stage' }>;

/** A fresh engine (cold session pool) as the workers build it, recording every event. */
async function freshEngine() {
  const runtime = await createNodeRuntime('cpu', EXAMPLES_DIR, { ensureReferencePack });
  const engine = createEngineService(registry, runtime.services, () => ({ backend: 'cpu' }));
  let jobs = 0;
  return async (graph: GraphDocument): Promise<{ result: JobResult; events: EngineEvent[] }> => {
    const events: EngineEvent[] = [];
    const result = await engine.run(graph, { jobId: `stages-${++jobs}` }, (e) => {
      events.push(e);
    });
    return { result, events };
  };
}

/** The events of one node, as `type` or `type stage`, in order. */
function trail(events: readonly EngineEvent[], nodeId: string): string[] {
  return events
    .filter((e) => 'nodeId' in e && e.nodeId === nodeId && e.type !== 'job:failed')
    .map((e) => (e.type === 'node:stage' ? `stage ${e.stage}` : e.type));
}

function stagesOf(events: readonly EngineEvent[], nodeId: string): StageEvent[] {
  return events.filter((e): e is StageEvent => e.type === 'node:stage' && e.nodeId === nodeId);
}

describe('node stages on the reference pack', () => {
  it('a cold run: each model-running node loads, compiles, then runs; the sampler counts steps with an ETA', async () => {
    const run = await freshEngine();
    const graph = withParams(loadExample('text-to-image'), { 'sampler.steps': '6' });
    const { result, events } = await run(graph);
    expect(result.status, result.error?.message).toBe('done');

    for (const nodeId of ['prompt', 'sampler', 'decode']) {
      const t = trail(events, nodeId).filter((x) => x !== 'node:progress');
      // node:start, then the session's stages, then its work, then done.
      expect(t.slice(0, 4), nodeId).toEqual([
        'node:start',
        'stage loading',
        'stage compiling',
        'stage running',
      ]);
      expect(t.at(-1), nodeId).toBe('node:done');
    }
    const loading = stagesOf(events, 'sampler')[0]!;
    expect(loading.model).toMatch(/^unet \(unet\/model\.onnx\) of shapes-world$/);
    expect(loading.totalBytes).toBeGreaterThan(1000);
    expect(loading.bytes).toBe(0);
    expect(stagesOf(events, 'sampler')[1]).toMatchObject({ stage: 'compiling', model: loading.model });

    const steps = stagesOf(events, 'sampler').filter((e) => e.step !== undefined);
    expect(steps.map((e) => `${e.step}/${e.total}`)).toEqual([
      '0/6',
      '1/6',
      '2/6',
      '3/6',
      '4/6',
      '5/6',
      '6/6',
    ]);
    expect(steps[0]!.etaMs).toBeUndefined();
    for (const step of steps.slice(1, -1)) expect(step.etaMs).toBeGreaterThanOrEqual(0);
    expect(steps.at(-1)!.etaMs).toBe(0);
    // Each step's stage comes just before its progress event.
    const samplerEvents = events.filter((e) => 'nodeId' in e && e.nodeId === 'sampler');
    const firstStep = samplerEvents.findIndex((e) => e.type === 'node:stage' && e.step === 1);
    expect(samplerEvents[firstStep + 1]).toMatchObject({ type: 'node:progress', step: 1, total: 6 });
    // The loaders open packs only: no stage of their own when the pack is on disk.
    expect(stagesOf(events, 'pack')).toEqual([]);
  });

  it('a warm run (new seed): no loading or compiling, only the steps', async () => {
    const run = await freshEngine();
    const graph = withParams(loadExample('text-to-image'), { 'sampler.steps': '4' });
    expect((await run(graph)).result.status).toBe('done');
    const { result, events } = await run(withParams(graph, { 'sampler.seed': '99' }));
    expect(result.status).toBe('done');
    expect(stagesOf(events, 'sampler').map((e) => e.stage)).toEqual(Array(5).fill('running'));
    expect(trail(events, 'prompt')).toEqual(['node:cached']);
  });
});

describe('pre-flight against the models', () => {
  it('refuses Empty Latent width 512 on the 128-px pack before any node runs, naming node and param', async () => {
    const run = await freshEngine();
    const { result, events } = await run(withParams(loadExample('text-to-image'), { 'latent.width': '512' }));
    expect(result.status).toBe('failed');
    expect(result.error?.issues).toEqual([
      {
        code: 'node_rule',
        nodeId: 'latent',
        param: 'width',
        message:
          'width 512 makes a latent 64 wide; the U-Net of shapes-world (unet/model.onnx) takes only 16: set width to 128',
      },
    ]);
    expect(result.error?.nodeId).toBe('latent');
    expect(events.map((e) => e.type)).toEqual(['job:start', 'job:failed']);
  });

  it('names both params when both are wrong, and the VAE factor for a size that is not a multiple of it', async () => {
    const run = await freshEngine();
    const both = await run(
      withParams(loadExample('text-to-image'), { 'latent.width': '256', 'latent.height': '64' }),
    );
    expect(both.result.error?.issues?.map((i) => [i.nodeId, i.param])).toEqual([
      ['latent', 'width'],
      ['latent', 'height'],
    ]);
    const odd = await run(withParams(loadExample('text-to-image'), { 'latent.width': '132' }));
    expect(odd.result.error?.issues?.map((i) => i.message)).toEqual([
      'width 132 is not a multiple of 8, the VAE factor of shapes-world',
    ]);
  });

  it('follows the U-Net through Apply LoRA to the sampler', async () => {
    const run = await freshEngine();
    const { result } = await run(withParams(loadExample('lora'), { 'latent.height': '256' }));
    expect(result.status).toBe('failed');
    expect(result.error?.issues?.map((i) => `${i.nodeId}.${i.param}`)).toEqual(['latent.height']);
  });

  it('lets a symbolic-size SD1.5 U-Net take any multiple of 8', async () => {
    const run = await freshEngine();
    const graph = withParams(text2imageGraph('optimum', 'dpmpp_2m'), {
      'latent.width': '72',
      'sampler.steps': '2',
    });
    const { result } = await run(graph);
    expect(result.error?.issues).toBeUndefined();
  });
});

/** Serves test/fixtures/sd15 over http, with content-length (so downloads have a total). */
let server: Server;
let baseUrl = '';
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    try {
      const bytes = await readFile(join(SD15_DIR, path));
      res.setHeader('content-length', bytes.byteLength);
      res.end(bytes);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('download progress in bytes', () => {
  it("a checkpoint from a URL shows its files' bytes as the loader's loading stage", async () => {
    const run = await freshEngine();
    const graph = withParams(text2imageGraph('optimum', 'dpmpp_2m'), {
      'ckpt.checkpoint': `${baseUrl}optimum/`,
      'sampler.steps': '2',
    });
    const { result, events } = await run(graph);
    expect(result.status, result.error?.message).toBe('done');
    const downloads = stagesOf(events, 'ckpt');
    expect(downloads.length).toBeGreaterThan(0);
    for (const d of downloads) {
      expect(d.stage).toBe('loading');
      expect(d.bytes).toBeLessThanOrEqual(d.totalBytes!);
    }
    const weights = downloads.filter((d) => d.model === 'unet/model.onnx_data');
    expect(weights.at(-1)?.bytes).toBe(weights.at(-1)?.totalBytes);
    // Before the job's first node ran: the download happens when the pre-flight opens the folder.
    const firstStart = events.findIndex((e) => e.type === 'node:start');
    expect(events.indexOf(downloads[0]!)).toBeLessThan(firstStart);
  });
});
