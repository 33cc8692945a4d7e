// Benchmarks: speed targets as ratios measured side by side in one run (npm run bench).
// Absolute times vary by machine; the ratios are what we hold ourselves to.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createNodeRegistry } from '../nodes/index';
import { ensureReferencePack } from '../scripts/pack/ensure';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from '../src/core/document';
import { loadGraphDocument } from '../src/core/load-document';
import { applySeed } from '../src/core/param-overrides';
import { validateGraph } from '../src/core/validate';
import { Executor } from '../src/engine/executor';
import type { BackendChoice } from '../src/runtime/node/node-backends';
import { createNodeRuntime } from '../src/runtime/node/node-runtime';

const registry = createNodeRegistry();
const EXAMPLES = resolve('public/examples');

function example(name: string): GraphDocument {
  return loadGraphDocument(JSON.parse(readFileSync(`${EXAMPLES}/${name}.json`, 'utf8')), registry.lookup)
    .graph;
}

async function executorOn(backend: BackendChoice) {
  const runtime = await createNodeRuntime(backend, EXAMPLES, { ensureReferencePack });
  return new Executor(registry, runtime.services);
}

async function time(fn: () => Promise<unknown>, repeat = 1): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < repeat; i++) await fn();
  return (performance.now() - start) / repeat;
}

interface Row {
  readonly name: string;
  readonly ratio: number;
  readonly target: string;
  readonly ok: boolean;
  readonly detail: string;
}
const rows: Row[] = [];
const ms = (v: number) => `${v.toFixed(1)} ms`;

/** Load Image -> (n - 2) x Canny -> Save Image, edges in document order or reversed. */
function chainGraph(n: number, reversed: boolean): GraphDocument {
  const nodes: GraphDocument['nodes'] = [{ id: 'n0', type: 'image.load', typeVersion: 1, params: {} }];
  for (let i = 1; i < n - 1; i++)
    nodes.push({ id: `n${i}`, type: 'image.canny', typeVersion: 1, params: {} });
  nodes.push({ id: `n${n - 1}`, type: 'image.save', typeVersion: 1, params: {} });
  const edges: GraphDocument['edges'] = [];
  for (let i = 1; i < n; i++) {
    edges.push({ from: { node: `n${i - 1}`, port: 'image' }, to: { node: `n${i}`, port: 'image' } });
  }
  if (reversed) edges.reverse();
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, nodes, edges };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

// 4. Validation is linear: a 10k-node chain in <= 50 ms and <= 12x a 1k-node one, edges in either order.
function validationRow(): void {
  const WARMUP = 20;
  const REPEAT = 15;
  const times: { order: string; small: number; large: number }[] = [];
  for (const reversed of [false, true]) {
    const small = chainGraph(1_000, reversed);
    const large = chainGraph(10_000, reversed);
    for (const graph of [small, large]) {
      const issues = validateGraph(graph, registry.lookup);
      if (issues.length > 0) throw new Error(`the benchmark chain is not valid: ${issues[0]?.message}`);
    }
    for (let i = 0; i < WARMUP; i++) {
      validateGraph(small, registry.lookup);
      validateGraph(large, registry.lookup);
    }
    // Side by side: the two sizes alternate, so machine load shifts both alike, and each 1k sample
    // validates 10 times (its mean is the sample) so that a sample of either size takes about as long
    // and is as likely to be preempted on a busy machine.
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      let start = performance.now();
      for (let k = 0; k < 10; k++) validateGraph(small, registry.lookup);
      smallMs.push((performance.now() - start) / 10);
      start = performance.now();
      validateGraph(large, registry.lookup);
      largeMs.push(performance.now() - start);
    }
    times.push({ order: reversed ? 'reversed' : 'in order', small: median(smallMs), large: median(largeMs) });
  }
  const ratio = Math.max(...times.map((t) => t.large / t.small));
  const slowest = Math.max(...times.map((t) => t.large));
  rows.push({
    name: 'validate 10k-node / 1k-node chain',
    ratio,
    target: '<= 12',
    ok: ratio <= 12 && slowest <= 50,
    detail: `${times.map((t) => `${t.order} ${ms(t.large)} vs ${t.small.toFixed(2)} ms`).join(', ')} (10k <= 50 ms)`,
  });
}

function report(): void {
  console.log('benchmark                                   ratio   target   measured');
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(43)} ${row.ratio.toFixed(3).padStart(6)}   ${row.target.padEnd(7)}  ${row.detail}  ${row.ok ? 'ok' : 'MISSED'}`,
    );
  }
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

async function main() {
  // `--only validate` runs just the validation row (no models, no pack).
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  if (only === 'validate') {
    validationRow();
    report();
    return;
  }
  if (only !== undefined) throw new Error(`unknown --only row "${only}" (known: validate)`);

  validationRow();
  const graph = example('subject-driven');

  // 1. Re-running an unchanged graph does no inference.
  const cpu = await executorOn('cpu');
  const cold = await time(() => cpu.run(graph));
  const cached = await time(() => cpu.run(graph), 5);
  rows.push({
    name: 'unchanged re-run / cold run',
    ratio: cached / cold,
    target: '< 0.10',
    ok: cached / cold < 0.1,
    detail: `${ms(cached)} vs ${ms(cold)}`,
  });

  // 2. A new seed re-runs only the sampler and what follows; models stay loaded.
  let seed = 100;
  const reseeded = await time(() => cpu.run(applySeed(graph, seed++, registry.lookup)), 5);
  const fresh = await executorOn('cpu');
  const freshCold = await time(() => fresh.run(applySeed(graph, 1, registry.lookup)));
  rows.push({
    name: 'new seed, warm pool / cold process run',
    ratio: reseeded / freshCold,
    target: '< 0.90',
    ok: reseeded / freshCold < 0.9,
    detail: `${ms(reseeded)} vs ${ms(freshCold)}`,
  });

  // 3. onnxruntime-node's CPU backend against onnxruntime-web's wasm, same graph and seed.
  const wasm = await executorOn('wasm');
  await wasm.run(graph);
  await cpu.run(graph);
  const cpuSeeded = await time(() => cpu.run(applySeed(graph, seed++, registry.lookup)), 3);
  const wasmSeeded = await time(() => wasm.run(applySeed(graph, seed++, registry.lookup)), 3);
  rows.push({
    name: 'cpu backend / wasm backend (sampling)',
    ratio: cpuSeeded / wasmSeeded,
    target: '< 1.00',
    ok: cpuSeeded < wasmSeeded,
    detail: `${ms(cpuSeeded)} vs ${ms(wasmSeeded)}`,
  });

  report();
}

await main();
