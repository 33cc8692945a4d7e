import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { JobView } from '../../src/server/job-model';
import { captureIo } from '../cli/capture-io';
import { type Child, freePort, startKosmograph, startRedis } from './processes';
import { readEvents } from './sse';

// One Redis, one server and two workers, each its own process, as a deployment runs them.
const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const T2I = JSON.parse(readFileSync('public/examples/text-to-image.json', 'utf8')) as unknown;
const SUBJECT = JSON.parse(readFileSync('public/examples/subject-driven.json', 'utf8')) as {
  nodes: { id: string; params: Record<string, unknown> }[];
};
/** The cheapest real job of the reference pack: text to image in 2 sampler steps. */
const QUICK = ['sampler.steps=2'];
/** A job long enough to kill or cancel in the middle: 150 steps on a batch of 4. */
const LONG = ['sampler.steps=150', 'latent.batch_size=4'];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let redis: Child;
let server: Child;
const workers: Child[] = [];
let base = '';
let redisUrl = '';
let serverPort = 0;
const store = mkdtempSync(join(tmpdir(), 'kosmograph-store-'));

const serverArgs = () => [
  'serve',
  '--port',
  String(serverPort),
  '--redis',
  redisUrl,
  '--token',
  TOKEN,
  '--models',
  'public/examples',
  '--store',
  store,
  '--max-body-mb',
  '1',
];

async function startServer(): Promise<Child> {
  const child = startKosmograph(serverArgs());
  await child.waitFor(/listening on/);
  return child;
}

async function startWorker(): Promise<Child> {
  const child = startKosmograph([
    'worker',
    '--redis',
    redisUrl,
    '--models',
    'public/examples',
    '--lock-ms',
    '2000',
  ]);
  await child.waitFor(/ready/);
  workers.push(child);
  return child;
}

async function post(body: unknown, headers: Record<string, string> = AUTH): Promise<Response> {
  return fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function submit(set: readonly string[], seed?: number): Promise<string> {
  const response = await post({ graph: T2I, set, ...(seed !== undefined ? { seed } : {}) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function view(id: string): Promise<JobView> {
  const response = await fetch(`${base}/jobs/${id}`, { headers: AUTH });
  expect(response.status).toBe(200);
  return (await response.json()) as JobView;
}

/** Waits for each job in turn (FIFO, so the last ones finish last): one request per poll. */
async function waitFinished(ids: readonly string[], timeoutMs = 150_000): Promise<JobView[]> {
  const deadline = Date.now() + timeoutMs;
  const views: JobView[] = [];
  for (const id of ids) {
    for (;;) {
      const current = await view(id);
      if (current.status !== 'queued' && current.status !== 'running') {
        views.push(current);
        break;
      }
      if (Date.now() > deadline) throw new Error(`job ${id} still ${current.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return views;
}

async function counts(): Promise<Record<string, number>> {
  return ((await (await fetch(`${base}/health`)).json()) as { counts: Record<string, number> }).counts;
}

const cliShas = new Map<string, string>();
/** What `kosmograph run` writes for the same graph, overrides and seed (its sha256). */
async function cliOutput(set: readonly string[], seed?: number): Promise<string> {
  const key = JSON.stringify([set, seed]);
  if (!cliShas.has(key)) cliShas.set(key, await runCli(set, seed));
  return cliShas.get(key)!;
}

async function runCli(set: readonly string[], seed?: number): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'kosmograph-cli-'));
  const io = captureIo();
  const args = ['run', 'public/examples/text-to-image.json', '--out', out];
  for (const s of set) args.push('--set', s);
  if (seed !== undefined) args.push('--seed', String(seed));
  expect(await main(args, io)).toBe(0);
  return sha256(readFileSync(join(out, 'text-to-image.png')));
}

/** `completed <id>` lines across all workers' logs. */
const completions = (id: string) =>
  workers.flatMap((w) => w.lines).filter((line) => line === `completed ${id}`).length;

beforeAll(async () => {
  const redisPort = await freePort();
  serverPort = await freePort();
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  base = `http://127.0.0.1:${serverPort}`;
  redis = await startRedis(redisPort);
  server = await startServer();
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await server?.stop();
  await redis?.stop();
});

describe.sequential('kosmograph serve --redis with two workers', () => {
  it('refuses bad requests with the right status, and queues nothing', async () => {
    expect((await post({ graph: T2I }, {})).status).toBe(401);
    expect((await post({ graph: T2I }, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await fetch(`${base}/jobs/abc`)).status).toBe(401);

    const huge = await post({ graph: T2I, set: [`save.filename_prefix=${'x'.repeat(2 * 1024 * 1024)}`] });
    expect(huge.status).toBe(413);

    const invalid = await post({ graph: T2I, set: ['sampler.steps=999'] });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { issues: { code: string; nodeId?: string; param?: string }[] };
    expect(body.issues).toContainEqual(
      expect.objectContaining({ code: 'param_out_of_range', nodeId: 'sampler', param: 'steps' }),
    );
    expect((await post('{"graph": ')).status).toBe(400);
    expect((await post({ graph: T2I, extra: 1 })).status).toBe(400);

    for (const path of ['/etc/hostname', '../../package.json', 'https://example.com/a.png']) {
      const graph = structuredClone(SUBJECT);
      graph.nodes.find((n) => n.id === 'image1')!.params.image = path;
      const outside = await post({ graph });
      expect(outside.status).toBe(400);
      const issues = ((await outside.json()) as { issues: { nodeId?: string; param?: string }[] }).issues;
      expect(issues).toEqual([expect.objectContaining({ nodeId: 'image1', param: 'image' })]);
    }
    expect(await counts()).toMatchObject({ waiting: 0, active: 0, completed: 0, failed: 0, delayed: 0 });

    // Binding beyond loopback without a token does not start at all.
    const open = startKosmograph(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(await open.exited).toBe(2);
    expect(open.lines.join('\n')).toMatch(/--token/);
  });

  let survivors: string[] = [];
  it('a server restart loses no queued job; a cancelled queued job never runs', async () => {
    survivors = [await submit(QUICK, 1001), await submit(QUICK, 1002)];
    const cancelled = await submit(QUICK, 1003);
    const answer = await fetch(`${base}/jobs/${cancelled}`, { method: 'DELETE', headers: AUTH });
    expect(answer.status).toBe(202);
    await server.stop('SIGKILL');
    server = await startServer();
    for (const id of survivors) expect((await view(id)).status).toBe('queued');
    expect((await view(cancelled)).status).toBe('cancelled');
    survivors.push(cancelled);
  });

  it('200 jobs across two workers complete exactly once each, byte-identical to the CLI', async () => {
    const started = Promise.all([startWorker(), startWorker()]);
    const seeds = Array.from({ length: 200 }, (_, i) => i + 1);
    // The CLI's outputs, made while the workers run (what they must equal, byte for byte).
    const expected = Promise.all([cliOutput(QUICK, 1), cliOutput(QUICK, 200)]);
    const ids: string[] = [];
    for (let i = 0; i < seeds.length; i += 20)
      ids.push(...(await Promise.all(seeds.slice(i, i + 20).map((seed) => submit(QUICK, seed)))));
    await started;
    const views = await waitFinished([...ids, ...survivors]);
    await expected;
    const [restart1, restart2, cancelled] = views.slice(200);
    expect([restart1!.status, restart2!.status, cancelled!.status]).toEqual(['done', 'done', 'cancelled']);
    expect(completions(cancelled!.id)).toBe(0);
    const done = views.slice(0, 200);
    expect(done.map((v) => v.status)).toEqual(seeds.map(() => 'done'));
    for (const v of [...done, restart1!, restart2!]) expect(completions(v.id)).toBe(1);
    const byWorker = new Map<string, number>();
    for (const v of done) byWorker.set(v.worker!, (byWorker.get(v.worker!) ?? 0) + 1);
    expect(byWorker.size).toBe(2); // both workers took jobs
    for (const index of [0, 199]) {
      const v = done[index]!;
      expect(v.outputs.map((o) => o.name)).toEqual(['text-to-image.png']);
      const download = await fetch(`${base}/jobs/${v.id}/outputs/text-to-image.png`, { headers: AUTH });
      const bytes = new Uint8Array(await download.arrayBuffer());
      expect(sha256(bytes)).toBe(v.outputs[0]!.sha256);
      expect(v.outputs[0]!.sha256).toBe(await cliOutput(QUICK, seeds[index]));
    }
    expect(new Set(done.map((v) => v.outputs[0]!.sha256)).size).toBe(200); // each seed its own image
  }, 150_000);

  it('submit --seeds --wait sends a batch and downloads every output, as the CLI writes it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kosmograph-submit-'));
    const io = captureIo();
    const args = ['submit', 'public/examples/text-to-image.json', '--server', base, '--token', TOKEN];
    args.push('--seeds', '199..200', '--set', QUICK[0]!, '--wait', '--out', out);
    expect(await main(args, io)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['text-to-image-seed199.png', 'text-to-image-seed200.png']);
    expect(sha256(readFileSync(join(out, 'text-to-image-seed200.png')))).toBe(await cliOutput(QUICK, 200));
    const refused = captureIo();
    expect(
      await main(['submit', 'public/examples/text-to-image.json', '--server', base, '--wait'], refused),
    ).toBe(1);
    expect(refused.err()).toMatch(/bearer token/);
  });

  it('a worker killed mid-job: the job completes on the other worker, once, with one whole output', async () => {
    const id = await submit(LONG, 5);
    await readEvents(`${base}/jobs/${id}/events`, AUTH, (e) => e.data.type === 'node:progress');
    const running = await view(id);
    const victim = workers.find((w) => running.worker?.endsWith(`-${w.process.pid}`))!;
    expect(victim).toBeDefined();
    await victim.stop('SIGKILL');
    const [finished] = await waitFinished([id]);
    expect(finished!.status).toBe('done');
    expect(finished!.worker).not.toBe(running.worker);
    expect(finished!.attempts).toBe(2);
    expect(completions(id)).toBe(1);
    expect(finished!.outputs).toHaveLength(1);
    expect(finished!.outputs[0]!.sha256).toBe(await cliOutput(LONG, 5));
    const storeFiles = readdirSync(store, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(storeFiles.filter((f) => f.name.endsWith('.tmp'))).toEqual([]);
  }, 90_000);

  it('a cancel reaches a job running on a worker within one sampler step, and only that job', async () => {
    const worker = workers.find((w) => w.process.exitCode === null && w.process.signalCode === null)!;
    const id = await submit(LONG, 6);
    const other = await submit(QUICK, 7);
    let cancelledAt = 0;
    const events = await readEvents(`${base}/jobs/${id}/events`, AUTH, async (e) => {
      if (e.data.type === 'node:progress' && e.data.step === 2 && cancelledAt === 0) {
        cancelledAt = performance.now();
        expect((await fetch(`${base}/jobs/${id}`, { method: 'DELETE', headers: AUTH })).status).toBe(202);
      }
      return undefined;
    });
    const latencyMs = performance.now() - cancelledAt;
    expect(events.at(-1)!.data.type).toBe('job:cancelled');
    const line = await worker.waitFor(new RegExp(`^cancel ${id} at step \\d+`));
    const stepAtCancel = Number(/at step (\d+)/.exec(line)![1]);
    const steps = events.filter((e) => e.data.type === 'node:progress').map((e) => e.data.step as number);
    expect(Math.max(...steps)).toBeLessThanOrEqual(stepAtCancel + 1);
    expect(Math.max(...steps)).toBeLessThan(150);
    expect(latencyMs).toBeLessThan(10_000);
    const cancelledView = await view(id);
    expect(cancelledView.status).toBe('cancelled');
    expect(cancelledView.outputs).toEqual([]);
    const [otherView] = await waitFinished([other]);
    expect(otherView!.status).toBe('done');
    expect((await fetch(`${base}/jobs/${id}`, { method: 'DELETE', headers: AUTH })).status).toBe(409);
  }, 60_000);

  it('SIGTERM: the worker finishes its running job, then exits', async () => {
    const worker = workers.find((w) => w.process.exitCode === null && w.process.signalCode === null)!;
    const id = await submit(['sampler.steps=40', 'latent.batch_size=4'], 8);
    await readEvents(`${base}/jobs/${id}/events`, AUTH, (e) => e.data.type === 'node:progress');
    expect((await view(id)).status).toBe('running');
    expect(await worker.stop('SIGTERM')).toBe(0);
    const finished = await view(id);
    expect(finished.status).toBe('done');
    expect(finished.attempts).toBe(1);
    expect(completions(id)).toBe(1);
  });
});
