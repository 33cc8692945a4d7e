// Real-size memory: peak RSS of a whole text-to-image run against the size of the checkpoint's model
// files (npm run bench). Each run is a fresh `node --import tsx` child with a cold hash cache, so the
// peak includes streaming sha256 of every file and ONNX Runtime opening the models by path. Folders:
// the tiny optimum fixture, and its copy whose VAE decoder's external data is a 2.25 GiB sparse file
// (scripts/onnx/large-vae-decoder.ts). The target: the > 2 GiB folder runs in less RSS than its size.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeLargeVaeCheckpoint } from '../scripts/onnx/large-vae-decoder';
import { Executor } from '../src/engine/executor';
import { createNodeRuntime } from '../src/runtime/node/node-runtime';
import { OPTIMUM_FIXTURE, registry, textToImageGraph } from '../test/real-size/real-size-graph';

const SELF = resolve(import.meta.dirname, 'real-size.ts');
const ONNX_FOLDERS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

interface ChildReport {
  readonly status: string;
  readonly error?: string;
  readonly ms: number;
  /** Peak resident set of the child, bytes. */
  readonly maxRss: number;
}

/** In the child: run the graph on `dir` (or only start up, for the baseline) and print one JSON line. */
async function child(dir: string | undefined): Promise<void> {
  const started = performance.now();
  const runtime = await createNodeRuntime('cpu', process.cwd());
  let status = 'done';
  let error: string | undefined;
  if (dir) {
    const result = await new Executor(registry, runtime.services).run(textToImageGraph(dir));
    status = result.status;
    error = result.error?.message;
  }
  const report: ChildReport = {
    status,
    ...(error ? { error } : {}),
    ms: performance.now() - started,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
  console.log(JSON.stringify(report));
}

/** Logical and allocated bytes of the checkpoint's model files (everything in its ONNX folders but *.json). */
function modelBytes(dir: string): { logical: number; allocated: number } {
  let logical = 0;
  let allocated = 0;
  for (const folder of ONNX_FOLDERS) {
    const path = join(dir, folder);
    let names: string[];
    try {
      names = readdirSync(path);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => !n.endsWith('.json'))) {
      const info = statSync(join(path, name));
      logical += info.size;
      allocated += info.blocks * 512;
    }
  }
  return { logical, allocated };
}

function runChild(dir: string | undefined, cacheDir: string): ChildReport {
  const args = ['--import', 'tsx', SELF, '--child', ...(dir ? [dir] : [])];
  const out = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, KOSMOGRAPH_CACHE_DIR: cacheDir },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = out.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as ChildReport;
  } catch {
    return { status: `child exited ${out.status ?? out.signal}`, error: last, ms: 0, maxRss: 0 };
  }
}

interface Row {
  readonly name: string;
  readonly model: { logical: number; allocated: number } | undefined;
  readonly report: ChildReport;
  readonly target?: (ratio: number) => boolean;
  readonly targetText: string;
}

const MiB = 1024 ** 2;
const mib = (v: number) => `${(v / MiB).toFixed(1)} MiB`;

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'kosmograph-bench-real-size-'));
  try {
    const large = join(tmp, 'sd15-large-vae');
    await makeLargeVaeCheckpoint(OPTIMUM_FIXTURE, large);
    const cache = (name: string) => join(tmp, `cache-${name}`);
    const rows: Row[] = [
      {
        name: 'baseline (start-up, no run)',
        model: undefined,
        report: runChild(undefined, cache('base')),
        targetText: '',
      },
      {
        name: 'optimum fixture',
        model: modelBytes(OPTIMUM_FIXTURE),
        report: runChild(OPTIMUM_FIXTURE, cache('fixture')),
        targetText: '',
      },
      {
        name: '> 2 GiB sparse VAE folder',
        model: modelBytes(large),
        report: runChild(large, cache('large')),
        target: (ratio) => ratio < 1,
        targetText: '< 1.00',
      },
    ];

    console.log(
      'real-size run                  model bytes (on disk)          peak RSS     peak/model  target  time',
    );
    let failed = false;
    for (const row of rows) {
      const { report, model } = row;
      const ratio = model ? report.maxRss / model.logical : Number.NaN;
      const done = report.status === 'done';
      const ok = done && (!row.target || row.target(ratio));
      if (!ok) failed = true;
      const size = model ? `${mib(model.logical)} (${mib(model.allocated)})` : '-';
      console.log(
        `${row.name.padEnd(30)} ${size.padEnd(30)} ${mib(report.maxRss).padStart(11)}  ${
          model ? ratio.toFixed(3).padStart(9) : '        -'
        }   ${row.targetText.padEnd(6)}  ${model ? `${(report.ms / 1000).toFixed(1)} s` : '-'}  ${
          done ? (ok ? 'ok' : 'MISSED') : `FAILED: ${report.status} ${report.error ?? ''}`
        }`,
      );
    }
    if (failed) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1]);
else await main();
