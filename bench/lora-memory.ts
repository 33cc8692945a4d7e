// LoRA peak memory on a model with external data (npm run bench): a copy of the tiny SD1.5 whose
// U-Net carries 1 GiB of extra weights in `model.onnx_data` (scripts/onnx/wide-lora-unet.ts), run
// text-to-image in a fresh process without a LoRA, then with a kohya LoRA on `changed` of those
// weights. The merge reads only the changed tensors and ONNX Runtime reads the rest from disk, so
// the target is: peak(LoRA) <= peak(base) + changed tensor bytes + 10% of peak(base). Both children
// share one sha256 cache (filled by a first, unmeasured run) so hashing is the same for both.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { wideModulePath, writeWideUnetCheckpoint } from '../scripts/onnx/wide-lora-unet';
import { loadGraphDocument } from '../src/core/load-document';
import { Executor } from '../src/engine/executor';
import { createNodeRuntime } from '../src/runtime/node/node-runtime';
import { writeSafetensors } from '../src/runtime/safetensors/write';
import { OPTIMUM_FIXTURE, registry, textToImageGraph } from '../test/real-size/real-size-graph';

const SELF = resolve(import.meta.dirname, 'lora-memory.ts');
const WIDTH = 4096;
const BLOCKS = 16;
const CHANGED = 4;
const RANK = 8;
const MiB = 1024 ** 2;

interface ChildReport {
  readonly status: string;
  readonly error?: string;
  readonly maxRss: number;
  readonly ms: number;
}

/** The text-to-image graph with a LoRA Loader (model only) between Load Checkpoint and the sampler. */
function graphWithLora(dir: string, lora: string | undefined) {
  const base = textToImageGraph(dir, 2);
  if (lora === undefined) return base;
  const nodes = [
    ...base.nodes,
    {
      id: 'lora',
      type: 'models.lora_file',
      typeVersion: 1,
      params: { lora, strength_model: 0.8, strength_clip: 0 },
    },
  ];
  const edges = [
    ...base.edges.filter((e) => !(e.from.node === 'ckpt' && e.from.port === 'unet')),
    { from: { node: 'ckpt', port: 'unet' }, to: { node: 'lora', port: 'unet' } },
    { from: { node: 'lora', port: 'unet' }, to: { node: 'sampler', port: 'unet' } },
  ];
  return loadGraphDocument({ ...base, nodes, edges }, registry.lookup, 'lora-memory.json').graph;
}

async function child(dir: string, lora: string | undefined): Promise<void> {
  const started = performance.now();
  const runtime = await createNodeRuntime('cpu', process.cwd());
  const result = await new Executor(registry, runtime.services).run(graphWithLora(dir, lora));
  const report: ChildReport = {
    status: result.status,
    ...(result.error ? { error: result.error.message } : {}),
    maxRss: process.resourceUsage().maxRSS * 1024,
    ms: performance.now() - started,
  };
  console.log(JSON.stringify(report));
}

function runChild(dir: string, cacheDir: string, lora?: string): ChildReport {
  const out = spawnSync(
    process.execPath,
    ['--import', 'tsx', SELF, '--child', dir, ...(lora ? [lora] : [])],
    {
      encoding: 'utf8',
      env: { ...process.env, KOSMOGRAPH_CACHE_DIR: cacheDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const last = out.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as ChildReport;
  } catch {
    return { status: `child exited ${out.status ?? out.signal}`, error: last, maxRss: 0, ms: 0 };
  }
}

/** A kohya LoRA (rank 8, alpha 8) on the first `count` extra weights. */
function kohyaLora(count: number): Uint8Array {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (let i = 0; i < count; i++) {
    const key = `lora_unet_${wideModulePath(i).replace(/\./g, '_')}`;
    const down = Float32Array.from({ length: RANK * WIDTH }, (_, j) => (((j * 7 + i) % 13) - 6) * 1e-3);
    const up = Float32Array.from({ length: WIDTH * RANK }, (_, j) => (((j * 5 + i) % 11) - 5) * 1e-3);
    tensors.set(`${key}.lora_down.weight`, { shape: [RANK, WIDTH], data: down });
    tensors.set(`${key}.lora_up.weight`, { shape: [WIDTH, RANK], data: up });
    tensors.set(`${key}.alpha`, { shape: [], data: Float32Array.of(RANK) });
  }
  return writeSafetensors(tensors);
}

export interface LoraMemoryRow {
  readonly name: string;
  readonly baseRss: number;
  readonly loraRss: number;
  readonly changedBytes: number;
  readonly limit: number;
  readonly ok: boolean;
  readonly detail: string;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'kosmograph-bench-lora-memory-'));
  try {
    const dir = join(tmp, 'sd15-wide-unet');
    const { weightBytes, dataBytes } = await writeWideUnetCheckpoint(OPTIMUM_FIXTURE, dir, {
      blocks: BLOCKS,
      width: WIDTH,
    });
    const lora = join(tmp, 'wide-lora.safetensors');
    writeFileSync(lora, kohyaLora(CHANGED));
    const cache = join(tmp, 'cache');
    const warm = runChild(dir, cache, lora); // fills the sha256 cache for both measured runs
    const base = runChild(dir, cache);
    const withLora = runChild(dir, cache, lora);
    const changedBytes = CHANGED * weightBytes;
    const limit = base.maxRss + changedBytes + 0.1 * base.maxRss;
    const done = [warm, base, withLora].every((r) => r.status === 'done');
    const ok = done && withLora.maxRss <= limit;
    const failure = [warm, base, withLora].find((r) => r.status !== 'done');
    console.log(
      `LoRA on external data (${(dataBytes / MiB).toFixed(0)} MiB U-Net data, ${CHANGED} of ${BLOCKS} weights changed)`,
    );
    console.log(`  peak RSS without LoRA   ${(base.maxRss / MiB).toFixed(1)} MiB`);
    console.log(`  peak RSS with LoRA      ${(withLora.maxRss / MiB).toFixed(1)} MiB`);
    console.log(`  changed tensors         ${(changedBytes / MiB).toFixed(1)} MiB`);
    console.log(
      `  limit base+changed+10%  ${(limit / MiB).toFixed(1)} MiB   added ${(((withLora.maxRss - base.maxRss) / changedBytes) * 100).toFixed(0)}% of the changed bytes   ${
        ok ? 'ok' : done ? 'MISSED' : `FAILED: ${failure?.status} ${failure?.error ?? ''}`
      }`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3]!, process.argv[4]);
else await main();
