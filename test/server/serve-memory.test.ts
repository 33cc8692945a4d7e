import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { inProcessEngine } from '../../src/cli/run-command';
import { readGraphFromPng } from '../../src/core/graph-png';
import { createHttpApi } from '../../src/server/http-server';
import type { JobView } from '../../src/server/job-model';
import type { JobQueue } from '../../src/server/job-queue';
import { createMemoryQueue } from '../../src/server/memory-queue';
import { createFolderOutputStore } from '../../src/server/output-store';
import { readEvents } from './sse';

// The embedded queue (serve without --redis) in this process, on the real engine and reference pack.
const registry = createNodeRegistry();
const EXAMPLES = resolve('public/examples');
const ORIGIN = 'http://editor.example:5173';
let server: Server;
let queue: JobQueue;
let base = '';

beforeAll(async () => {
  const engine = await inProcessEngine('cpu', EXAMPLES, registry, { roots: [EXAMPLES], origins: [] });
  const store = createFolderOutputStore(mkdtempSync(join(tmpdir(), 'kosmograph-store-')));
  queue = createMemoryQueue(engine.engine, store);
  const api = createHttpApi({
    queue,
    store,
    lookup: registry.lookup,
    nodes: registry.describe(),
    policy: { roots: [EXAMPLES] },
    allowOrigins: [ORIGIN],
    maxBodyBytes: 8 * 1024 * 1024,
  });
  server = createServer(api);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await queue.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function view(id: string): Promise<JobView> {
  return (await (await fetch(`${base}/jobs/${id}`)).json()) as JobView;
}

async function finished(id: string): Promise<JobView> {
  await readEvents(`${base}/jobs/${id}/events`, {}, () => undefined);
  return view(id);
}

describe('kosmograph serve with the embedded queue', () => {
  it('takes multipart (graph file, input image, seed, set) and streams the run --json events with previews', async () => {
    const form = new FormData();
    form.append(
      'graph',
      new Blob([readFileSync('public/examples/subject-driven.json')]),
      'subject-driven.json',
    );
    form.append(
      'input.image1',
      new Blob([readFileSync('public/examples/images/yellow-triangle.png')], { type: 'image/png' }),
      'x.png',
    );
    form.append('seed', '11');
    form.append('set', 'sampler.steps=3');
    const created = await fetch(`${base}/jobs`, { method: 'POST', body: form });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const events = await readEvents(`${base}/jobs/${id}/events`, {}, () => undefined);
    const types = events.map((e) => e.data.type);
    expect(types[0]).toBe('job:start');
    expect(types.at(-1)).toBe('job:done');
    const progress = events.filter((e) => e.data.type === 'node:progress');
    expect(progress.map((e) => e.data.step)).toEqual([1, 2, 3]);
    expect((progress[0]!.data.preview as { png: string }).png).toMatch(/^data:image\/png;base64,/);
    // Replay after the end gives the same events.
    const replay = await readEvents(`${base}/jobs/${id}/events`, {}, () => undefined);
    expect(replay.map((e) => e.data.type)).toEqual(types);

    const done = await view(id);
    expect(done.status).toBe('done');
    const output = await fetch(`${base}/jobs/${id}/outputs/${done.outputs[0]!.name}`);
    expect(output.headers.get('content-type')).toBe('image/png');
    const png = new Uint8Array(await output.arrayBuffer());
    const { graph } = readGraphFromPng(png, registry.lookup, 'out.png');
    const load = graph.nodes.find((n) => n.id === 'image1')!;
    expect(String(load.params.image)).toMatch(/^data:image\/png;base64,/);
    expect(graph.nodes.find((n) => n.id === 'sampler')!.params).toMatchObject({ seed: 11, steps: 3 });

    // The PNG it made is itself a job (image/png body, overrides in the query).
    const again = await fetch(`${base}/jobs?seed=11`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    expect(again.status).toBe(201);
    const second = await finished(((await again.json()) as { id: string }).id);
    expect(second.outputs[0]!.sha256).toBe(done.outputs[0]!.sha256);
  });

  it('cancels a queued job and a running one, each alone', async () => {
    const graph = JSON.parse(readFileSync('public/examples/text-to-image.json', 'utf8')) as unknown;
    const submit = async (set: string[]) => {
      const response = await fetch(`${base}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ graph, set }),
      });
      return ((await response.json()) as { id: string }).id;
    };
    const running = await submit(['sampler.steps=150', 'latent.batch_size=4']);
    const queued = await submit(['sampler.steps=2']);
    const after = await submit(['sampler.steps=2']);
    expect((await fetch(`${base}/jobs/${queued}`, { method: 'DELETE' })).status).toBe(202);
    expect((await view(queued)).status).toBe('cancelled');
    await readEvents(`${base}/jobs/${running}/events`, {}, (e) => e.data.type === 'node:progress');
    expect((await fetch(`${base}/jobs/${running}`, { method: 'DELETE' })).status).toBe(202);
    const stopped = await finished(running);
    expect(stopped.status).toBe('cancelled');
    expect(stopped.outputs).toEqual([]);
    expect((await finished(after)).status).toBe('done');
    expect((await fetch(`${base}/jobs/${queued}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('answers CORS only for allowed origins, and checks every path param', async () => {
    const allowed = await fetch(`${base}/jobs`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const other = await fetch(`${base}/jobs`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${base}/jobs/not%20an%20id`)).status).toBe(400);
    expect((await fetch(`${base}/jobs/abc/outputs/..%2F..%2Fetc`)).status).toBe(400);
    expect((await fetch(`${base}/jobs/missing`)).status).toBe(404);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/jobs`, { method: 'PUT' })).status).toBe(405);
    const text = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
    const nodes = (await (await fetch(`${base}/nodes`)).json()) as { nodes: { type: string }[] };
    expect(nodes.nodes.map((n) => n.type)).toContain('sampling.sampler');
  });
});
