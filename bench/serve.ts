// Benchmark: jobs per second through `kosmograph serve --redis` + 2 workers (separate processes,
// as deployed) vs one process running the same jobs in a loop on a warm engine (what one
// `kosmograph run` process per job would at best reach), and the queue's added latency per job
// (wall time from POST to the job:done event, minus the engine's own time for the job).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createNodeRegistry } from '../nodes/index';
import { inProcessEngine } from '../src/cli/run-command';
import { loadGraphDocument } from '../src/core/load-document';
import { applyParamAssignments, applySeed, parseAssignment } from '../src/core/param-overrides';
import { type Child, freePort, startKosmograph, startRedis } from '../test/server/processes';
import { readEvents } from '../test/server/sse';
import { recordResults } from './results-file';

const JOBS = 60;
const LATENCY_SAMPLES = 20;
const SET = ['sampler.steps=2'];
const registry = createNodeRegistry();
const EXAMPLES = resolve('public/examples');
const T2I = JSON.parse(readFileSync(join(EXAMPLES, 'text-to-image.json'), 'utf8')) as unknown;
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

const children: Child[] = [];
async function main() {
  const redisPort = await freePort();
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const base = `http://127.0.0.1:${port}`;
  children.push(await startRedis(redisPort));
  const store = mkdtempSync(join(tmpdir(), 'kosmograph-bench-store-'));
  const server = startKosmograph(['serve', '--port', String(port), '--redis', redisUrl, '--store', store]);
  children.push(server);
  await server.waitFor(/listening on/);
  for (let i = 0; i < 2; i++) {
    const worker = startKosmograph(['worker', '--redis', redisUrl, '--models', EXAMPLES]);
    children.push(worker);
    await worker.waitFor(/ready/);
  }

  const submit = async (seed: number): Promise<string> => {
    const response = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ graph: T2I, set: SET, seed }),
    });
    if (response.status !== 201)
      throw new Error(`POST /jobs: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { id: string }).id;
  };
  /** The job's end as its events tell it: status and the engine's own time. */
  const end = async (id: string) => {
    const events = await readEvents(`${base}/jobs/${id}/events`, {}, () => undefined);
    const last = events.at(-1)?.data;
    if (last?.type !== 'job:done') throw new Error(`job ${id} ended with ${JSON.stringify(last)}`);
    return last.ms as number;
  };

  // Warm both workers (sessions loaded, caches filled) before measuring.
  await Promise.all(Array.from({ length: 6 }, (_, i) => submit(10_000 + i).then(end)));

  const start = performance.now();
  const ids = await Promise.all(Array.from({ length: JOBS }, (_, i) => submit(i + 1)));
  await Promise.all(ids.map(end));
  const served = JOBS / ((performance.now() - start) / 1000);

  const latencies: number[] = [];
  const posts: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t0 = performance.now();
    const id = await submit(20_000 + i);
    posts.push(performance.now() - t0);
    const engineMs = await end(id);
    latencies.push(performance.now() - t0 - engineMs);
  }

  // One process looping the same jobs on a warm engine.
  const { engine, dispose } = await inProcessEngine('auto', EXAMPLES, registry, {
    roots: [EXAMPLES],
    origins: [],
  });
  const graph = applyParamAssignments(
    loadGraphDocument(T2I, registry.lookup).graph,
    SET.map((s) => parseAssignment(s, '--set')),
    registry.lookup,
  );
  for (let i = 0; i < 3; i++)
    await engine.run(applySeed(graph, 10_000 + i, registry.lookup), { jobId: `w${i}` }, () => {});
  const loopStart = performance.now();
  for (let i = 0; i < JOBS; i++) {
    const result = await engine.run(
      applySeed(graph, i + 1, registry.lookup),
      { jobId: `loop-${i}` },
      () => {},
    );
    if (result.status !== 'done') throw new Error(`loop job ${i}: ${result.status} ${result.error?.message}`);
  }
  const looped = JOBS / ((performance.now() - loopStart) / 1000);
  dispose();

  const latency = median(latencies);
  const rows = [
    {
      name: 'serve + 2 workers vs one process looping (jobs/s)',
      ratio: served / looped,
      target: '>= 0.5 (2 workers share the cores with the server and Redis)',
      ok: served / looped >= 0.5,
      detail: `${served.toFixed(1)} vs ${looped.toFixed(1)} jobs/s over ${JOBS} jobs (text-to-image, 2 steps)`,
    },
    {
      name: 'queue added latency per job (median ms)',
      ratio: latency,
      target: '<= 50 ms',
      ok: latency <= 50,
      detail: `POST to job:done minus engine time, ${LATENCY_SAMPLES} jobs one at a time (POST itself: median ${median(posts).toFixed(1)} ms)`,
    },
  ];
  for (const row of rows)
    console.log(
      `${row.ok ? 'ok  ' : 'MISS'} ${row.name}: ${row.ratio.toFixed(2)} (${row.target}) — ${row.detail}`,
    );
  await recordResults('serve', rows);
  return rows.every((r) => r.ok);
}

main()
  .then(async (ok) => {
    for (const child of children.reverse()) await child.stop();
    process.exit(ok ? 0 : 1);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    for (const child of children.reverse()) await child.stop('SIGKILL');
    process.exit(1);
  });
