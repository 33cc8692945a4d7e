// Benchmarks: speed targets as ratios measured side by side in one run (npm run bench).
// Absolute times vary by machine; the ratios are what we hold ourselves to.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createNodeRegistry } from '../nodes/index';
import { ensureReferencePack } from '../scripts/pack/ensure';
import type { GraphDocument } from '../src/core/document';
import { loadGraphDocument } from '../src/core/load-document';
import { applySeed } from '../src/core/param-overrides';
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

async function main() {
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

  console.log('benchmark                                   ratio   target   measured');
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(43)} ${row.ratio.toFixed(3).padStart(6)}   ${row.target.padEnd(7)}  ${row.detail}  ${row.ok ? 'ok' : 'MISSED'}`,
    );
  }
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
