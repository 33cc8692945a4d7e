import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inlineImageFiles } from '../../src/cli/portable-inputs';
import type { GraphDocument } from '../../src/core/document';
import { createEngineClient } from '../../src/engine/engine-client';
import type { EngineEvent } from '../../src/engine/events';
import { createNodeEngineClient, spawnNodeEngineWorker } from '../../workers/engine-client-node';
import { EXAMPLES_DIR, loadExample, registry, withParams } from '../integration/run-example';
import { classifyImage } from '../pack/world-classifier';

const data = { backend: 'cpu' as const, baseDir: EXAMPLES_DIR };

async function example(name: string, sets: Record<string, string> = {}): Promise<GraphDocument> {
  return inlineImageFiles(withParams(loadExample(name), sets), EXAMPLES_DIR, registry.lookup);
}

describe('the engine in a worker_threads worker', () => {
  const client = createNodeEngineClient(data);
  afterAll(() => client.dispose());

  it('loads the reference pack and runs an example; artifacts arrive as bytes, events in order', async () => {
    const progress: number[] = [];
    const pack = await client.loadPack('reference', (p) => progress.push(p.done));
    expect(pack.name).toBe('shapes-world');
    expect(pack.controlnets).toContain('canny');
    expect(progress.at(-1)).toBeGreaterThan(0);

    const graph = await example('subject-driven');
    const before = JSON.stringify(graph);
    const events: EngineEvent[] = [];
    const result = await client.run(graph, { jobId: 'w1' }, (e) => events.push(e));
    expect(result.status, result.error?.message).toBe('done');
    expect(JSON.stringify(graph)).toBe(before);
    expect(events[0]?.type).toBe('job:start');
    expect(events.at(-1)?.type).toBe('job:done');
    const { artifact } = result.artifacts[0]!;
    if (artifact.kind !== 'image') throw new Error(`expected an image artifact, got ${artifact.kind}`);
    expect(artifact.image.data).toBeInstanceOf(Uint8Array);
    expect(artifact.png).toBeInstanceOf(Uint8Array);
    expect(classifyImage(artifact.image).background).toBe('black');
    const previews = events.filter((e) => e.type === 'node:progress' && e.preview);
    expect(previews.length).toBeGreaterThan(0);

    const status = await client.status();
    expect(status.backend).toBe('cpu');
    expect(status.loadedSessions).toBeGreaterThan(0);
    expect(status.runningJobs).toEqual([]);
  });

  it('keeps its cache across runs and cancels one job without touching another', async () => {
    const again = await client.run(await example('subject-driven'), { jobId: 'w2' }, () => undefined);
    expect(again.status).toBe('done');

    const slow = await example('subject-driven', { 'sampler.steps': '150', 'sampler.seed': '11' });
    const other = await example('subject-driven', { 'sampler.steps': '30', 'sampler.seed': '12' });
    let cancelledAt = 0;
    const slowSteps: number[] = [];
    const a = client.run(slow, { jobId: 'slow' }, (e) => {
      if (e.type !== 'node:progress' || e.nodeId !== 'sampler') return;
      slowSteps.push(e.step);
      if (e.step === 3 && !cancelledAt) {
        cancelledAt = e.step;
        void client.cancel('slow');
      }
    });
    const b = client.run(other, { jobId: 'other' }, () => undefined);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.status).toBe('cancelled');
    expect(Math.max(...slowSteps)).toBeLessThanOrEqual(cancelledAt + 1);
    expect(rb.status).toBe('done');
  });
});

describe('faults in the Node worker', () => {
  it('an exception escaping a node fails the job naming the node; the worker restarts and the next job runs', async () => {
    const entry = new URL('./fixtures/crash-bootstrap.mjs', import.meta.url);
    const client = createEngineClient({ spawn: () => spawnNodeEngineWorker(data, entry) });
    try {
      const canny = await example('canny');
      const crashing: GraphDocument = {
        ...canny,
        nodes: [...canny.nodes, { id: 'crash', type: 'test.crash', typeVersion: 1, params: {} }],
        edges: [
          ...canny.edges.map((e) =>
            e.to.node === 'save' ? { ...e, from: { node: 'crash', port: 'image' } } : e,
          ),
          { from: { node: 'canny', port: 'image' }, to: { node: 'crash', port: 'image' } },
        ],
      };
      const before = JSON.stringify(crashing);
      const events: EngineEvent[] = [];
      const failed = await client.run(crashing, { jobId: 'c1' }, (e) => events.push(e));
      expect(failed.status).toBe('failed');
      expect(failed.error?.nodeId).toBe('crash');
      expect(failed.error?.message).toMatch(/engine worker stopped while node "crash" was running/);
      expect(failed.error?.message).toMatch(/boom from a timer/);
      expect(events.at(-1)).toMatchObject({ type: 'job:failed', nodeId: 'crash' });
      expect(JSON.stringify(crashing)).toBe(before);
      expect(client.restarts).toBe(1);

      const next = await client.run(canny, { jobId: 'c2' }, () => undefined);
      expect(next.status, next.error?.message).toBe('done');
    } finally {
      client.dispose();
    }
  });
});

describe('kosmograph run (the CLI runs the job in a worker thread)', () => {
  const bin = resolve('bin/kosmograph.mjs');

  it('Ctrl+C cancels the job in the worker: exit 130, no files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-worker-sigint-'));
    const out = join(dir, 'out');
    const child = spawn(
      process.execPath,
      [
        bin,
        'run',
        'public/examples/subject-driven.json',
        '--out',
        out,
        '--json',
        '--set',
        'sampler.steps=150',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!signalled && /"type":"node:progress","jobId":"[^"]+","nodeId":"sampler"/.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(signalled).toBe(true);
    expect(code).toBe(130);
    expect(lines.at(-2)?.type).toBe('job:cancelled');
    expect(lines.at(-1)).toEqual({ type: 'result', status: 'cancelled', outputs: [] });
    expect(existsSync(out)).toBe(false);
  });

  it('runs an example end to end from another working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-worker-run-'));
    const child = spawn(
      process.execPath,
      [
        bin,
        'run',
        resolve('public/examples/controlnet-canny.json'),
        '--out',
        'o',
        '--set',
        'sampler.steps=8',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(code, stderr).toBe(0);
    expect(
      readFileSync(join(dir, 'o', 'controlnet-canny.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });
});
