// `npm run bench:peer`: kosmograph against what a user would pick instead, on SD1.5's real architecture.
//
// The models are full-size SD1.5 (U-Net, CLIP text encoder, VAE) with random weights, built once by
// `python -m kosmograph_tools.peer_bench models` into $KOSMOGRAPH_CACHE_DIR/peer-sd15 (default
// ~/.cache/kosmograph/peer-sd15) and exported with `kosmograph-export sd15`'s build. Then, in one run:
//   - one batch-2 (guided) U-Net step at 256 and 512 px: kosmograph (Executor + Sampler node, steps 1,
//     onnxruntime-node CPU; the Sampler's node:done ms), diffusers' U-Net forward in PyTorch, and
//     onnxruntime's Python InferenceSession on the same ONNX file (the engine floor), on the same
//     onnxruntime version as onnxruntime-node (its wheel installed once into the cache: the tools'
//     venv pins an older one for the exporters);
//   - a whole 512 px text->image of 4 Euler steps + text encode + VAE decode + PNG: kosmograph's job vs
//     diffusers' StableDiffusionPipeline call;
//   - peak RSS of the kosmograph process against the size of the model files it loaded.
// Each side runs in its own process, one at a time (the machine's memory would not hold three copies of
// the U-Net), in rounds: A B C, A B C, ... Every process warms up before it is timed; medians are over the
// rounds. Interleaving is what keeps the ratios fair on a machine loaded by other work: a slow minute hits
// every side alike. A failed run or a non-finite output fails the benchmark (exit 1). Missed goals are
// reported (MISSED) and fail it only with --strict.
//
//   npx tsx bench/peer.ts [--rounds 3] [--tiny] [--skip-image] [--strict]
// --tiny runs the same on the tiny fixtures' configs at 64/128 px (a smoke test, minutes not an hour).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PeerChildReport, PythonReport } from './peer-protocol';
import { formatTable, median, type PeerRow, timeRow } from './peer-report';
import { recordResults } from './results-file';

const ROOT = resolve(import.meta.dirname, '..');
const KOSMOGRAPH_CHILD = resolve(import.meta.dirname, 'peer-kosmograph.ts');
const RSS_GOAL = 1.3;

const Options = z.object({
  rounds: z.coerce.number().int().min(1).default(3),
  tiny: z.boolean().default(false),
  skipImage: z.boolean().default(false),
  strict: z.boolean().default(false),
});

function parseOptions(argv: readonly string[]): z.infer<typeof Options> {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--rounds') raw.rounds = argv[++i];
    else if (arg === '--tiny') raw.tiny = true;
    else if (arg === '--skip-image') raw.skipImage = true;
    else if (arg === '--strict') raw.strict = true;
    else
      throw new Error(`bench:peer: unknown argument "${arg}" (--rounds N, --tiny, --skip-image, --strict)`);
  }
  const parsed = Options.safeParse(raw);
  if (!parsed.success) throw new Error(`bench:peer: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

function pythonPath(): string {
  const python =
    process.env.KOSMOGRAPH_PYTHON ?? join(homedir(), '.cache', 'kosmograph', 'py311', 'bin', 'python');
  if (!existsSync(python)) {
    throw new Error(
      `bench:peer needs the Python tools: ${python} is missing. Install them (python/README.md) or set KOSMOGRAPH_PYTHON`,
    );
  }
  return python;
}

/** onnxruntime-node's version: the engine kosmograph runs, and the one the floor must run too. */
function ortNodeVersion(): string {
  const pkg = z
    .object({ version: z.string().regex(/^\d+\.\d+\.\d+$/) })
    .parse(JSON.parse(readFileSync(join(ROOT, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')));
  return pkg.version;
}

/**
 * A folder holding onnxruntime's Python wheel of `version` (no dependencies: numpy comes from the
 * tools' venv), installed once with pip into the cache, for PYTHONPATH. The Python tools pin an
 * older onnxruntime (the exporters' era); the floor of the engine is only a floor when it is the
 * same engine build that onnxruntime-node wraps, so the ORT side runs on this one.
 */
function ortPythonFor(python: string, version: string): string {
  const base = process.env.KOSMOGRAPH_CACHE_DIR ?? join(homedir(), '.cache', 'kosmograph');
  const dir = join(base, `ort-python-${version}`);
  if (existsSync(join(dir, 'onnxruntime', '__init__.py'))) return dir;
  process.stderr.write(`bench:peer: installing onnxruntime==${version} for Python into ${dir} (once)\n`);
  const tmp = `${dir}.tmp-${process.pid}`;
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', tmp, `onnxruntime==${version}`],
    { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (pip.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `bench:peer: pip could not install onnxruntime==${version} (the version of onnxruntime-node) for the ORT floor`,
    );
  }
  renameSync(tmp, dir);
  return dir;
}

/** Runs a child, passes its stderr through, and parses the JSON of its last stdout line. */
function runChild<T>(
  what: string,
  cmd: string,
  args: readonly string[],
  schema: z.ZodType<T>,
  cwd: string,
  extraEnv: NodeJS.ProcessEnv = {},
): T {
  process.stderr.write(`bench:peer: ${what}\n`);
  const out = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, HF_HUB_OFFLINE: '1', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = out.stdout?.trim().split('\n').at(-1) ?? '';
  let json: unknown;
  try {
    json = JSON.parse(last);
  } catch {
    throw new Error(
      `${what}: the process exited ${out.status ?? out.signal} without a report (${last.slice(0, 300)})`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${what}: unexpected report: ${parsed.error.message}`);
  process.stderr.write(`bench:peer: ${what}: ${last}\n`); // every sample as it comes, for a run cut short
  return parsed.data;
}

function requireDone(what: string, report: { status: string; error?: string | undefined }): void {
  if (report.status !== 'done') throw new Error(`${what} failed: ${report.error ?? 'no message'}`);
}

/** Bytes of the ONNX files (every file but *.json) in the given component folders. */
function modelBytes(dir: string, components: readonly string[]): number {
  let total = 0;
  for (const c of components) {
    for (const name of readdirSync(join(dir, c))) {
      if (!name.endsWith('.json')) total += statSync(join(dir, c, name)).size;
    }
  }
  return total;
}

type Samples = Record<string, number[]>;
const push = (s: Samples, key: string, values: readonly number[]) => {
  s[key] = [...(s[key] ?? []), ...values];
};

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const python = pythonPath();
  const pyCwd = join(ROOT, 'python');
  const tiny = opts.tiny ? ['--tiny'] : [];
  const sizes = opts.tiny ? [64, 128] : [256, 512];
  const imageSize = opts.tiny ? 64 : 512;
  const steps = 4;
  const threads = cpus().length;
  const py = (cmd: string, ...extra: string[]) => [
    '-m',
    'kosmograph_tools.peer_bench',
    cmd,
    ...tiny,
    '--threads',
    String(threads),
    ...extra,
  ];

  const models = runChild('models (built once, then reused)', python, py('models'), PythonReport, pyCwd);
  requireDone('building the models', models);
  const checkpoint = join(models.root!, 'onnx');
  const ortVersion = ortNodeVersion();
  const ortEnv = { PYTHONPATH: ortPythonFor(python, ortVersion) };
  const node = (...args: string[]) => ['--import', 'tsx', KOSMOGRAPH_CHILD, ...args];
  const step: Record<number, Samples> = Object.fromEntries(sizes.map((s) => [s, {}]));
  const stepJob: Samples = {};
  const image: Samples = {};
  const imageNodes: Samples = {};
  const rss: Samples = {};
  let floorVersions: Record<string, string> | undefined;
  // One round: the step on each side, then the whole image on each side. Results are recorded after every
  // round, so a run stopped early (Ctrl+C) still leaves the rounds it completed in bench/results.json.
  for (let round = 1; round <= opts.rounds; round++) {
    const k = runChild(
      `round ${round}/${opts.rounds}: kosmograph U-Net step`,
      process.execPath,
      node('step', checkpoint, '--sizes', sizes.join(',')),
      PeerChildReport,
      ROOT,
    );
    requireDone('kosmograph U-Net step', k);
    for (const run of k.runs) {
      const ms = run.nodes.sampler;
      if (ms === undefined) throw new Error('kosmograph U-Net step: the Sampler node did not run');
      push(step[run.size]!, 'kosmograph', [ms]);
      push(stepJob, String(run.size), [run.jobMs]);
    }
    push(rss, 'kosmograph step', [k.maxRss]);
    for (const side of ['torch', 'ort'] as const) {
      const r = runChild(
        `round ${round}/${opts.rounds}: ${side} U-Net step`,
        python,
        py('step', '--side', side, '--sizes', sizes.join(',')),
        PythonReport,
        pyCwd,
        side === 'ort' ? ortEnv : {},
      );
      requireDone(`${side} U-Net step`, r);
      if (side === 'ort' && r.versions.onnxruntime !== ortVersion) {
        throw new Error(
          `the ORT floor ran onnxruntime ${r.versions.onnxruntime}, not onnxruntime-node's ${ortVersion}`,
        );
      }
      if (side === 'ort') floorVersions = r.versions;
      for (const s of r.steps ?? []) push(step[s.size]!, side === 'torch' ? 'PyTorch' : 'ORT python', s.ms);
      push(rss, `${side} step`, [r.max_rss]);
    }
    if (!opts.skipImage) {
      const ki = runChild(
        `round ${round}/${opts.rounds}: kosmograph ${imageSize} px image, ${steps} steps`,
        process.execPath,
        node('image', checkpoint, '--size', String(imageSize), '--steps', String(steps)),
        PeerChildReport,
        ROOT,
      );
      requireDone('kosmograph image', ki);
      for (const run of ki.runs) {
        push(image, 'kosmograph', [run.jobMs]);
        for (const [id, ms] of Object.entries(run.nodes)) push(imageNodes, id, [ms]);
      }
      push(rss, 'kosmograph image', [ki.maxRss]);
      const d = runChild(
        `round ${round}/${opts.rounds}: diffusers ${imageSize} px image, ${steps} steps`,
        python,
        py('image', '--size', String(imageSize), '--steps', String(steps)),
        PythonReport,
        pyCwd,
      );
      requireDone('diffusers image', d);
      push(image, 'PyTorch', d.ms ?? []);
      push(rss, 'diffusers image', [d.max_rss]);
    }
    const last = round === opts.rounds;
    const rows = peerRows({
      sizes,
      step,
      image,
      rss,
      checkpoint,
      imageSize,
      steps,
      skipImage: opts.skipImage,
    });
    if (last) printSummary(rows, stepJob, imageNodes, threads);
    await recordResults(opts.tiny ? 'peer-tiny' : 'peer', {
      date: new Date().toISOString(),
      machine: { cpus: threads, model: cpus()[0]?.model ?? 'unknown' },
      versions: {
        node: process.version,
        'onnxruntime-node': ortVersion,
        ...models.versions,
        ...(floorVersions ? { 'onnxruntime (ORT floor)': floorVersions.onnxruntime ?? '' } : {}),
      },
      rounds: opts.rounds,
      roundsCompleted: round,
      stepJobMedians: medians(stepJob),
      imageNodeMedians: medians(imageNodes),
      rows,
    });
    if (last) {
      const missed = rows.flatMap((r) =>
        r.goals.filter((g) => !g.ok).map((g) => `${r.name} vs ${g.against}`),
      );
      if (missed.length > 0) {
        console.log(
          `goals missed: ${missed.join('; ')}${opts.strict ? '' : ' (reported; --strict fails on them)'}`,
        );
        if (opts.strict) process.exitCode = 1;
      }
    }
  }
}

const medians = (s: Samples) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, median(v)]));

interface Collected {
  readonly sizes: readonly number[];
  readonly step: Readonly<Record<number, Samples>>;
  readonly image: Samples;
  readonly rss: Samples;
  readonly checkpoint: string;
  readonly imageSize: number;
  readonly steps: number;
  readonly skipImage: boolean;
}

function peerRows(c: Collected): PeerRow[] {
  const rows: PeerRow[] = [];
  for (const size of c.sizes) {
    rows.push(
      timeRow(`U-Net step, batch 2, ${size} px`, c.step[size]!, 'kosmograph', [
        { side: 'PyTorch', against: 'PyTorch', goal: 1.0 },
        { side: 'ORT python', against: 'ORT floor', goal: 1.05 },
      ]),
    );
  }
  if (!c.skipImage) {
    rows.push(
      timeRow(`${c.imageSize} px image, ${c.steps} steps + enc/dec`, c.image, 'kosmograph', [
        { side: 'PyTorch', against: 'diffusers', goal: 1.0 },
      ]),
    );
  }
  // Memory: the kosmograph process's peak against the model files it opened.
  const components = c.skipImage ? ['text_encoder', 'unet'] : ['text_encoder', 'unet', 'vae_decoder'];
  const weights = modelBytes(c.checkpoint, components);
  const max = (key: string) => Math.max(...(c.rss[key] ?? [0]));
  const peak = max(c.skipImage ? 'kosmograph step' : 'kosmograph image');
  const ratio = peak / weights;
  rows.push({
    name: `peak RSS (${c.skipImage ? 'step' : 'image'} process)`,
    medians: {
      kosmograph: peak,
      PyTorch: max(c.skipImage ? 'torch step' : 'diffusers image'),
      'ORT python': max('ort step'),
      weights,
    },
    samples: c.rss,
    unit: 'bytes',
    goals: [{ against: `weights (${components.join(' + ')})`, ratio, goal: RSS_GOAL, ok: ratio <= RSS_GOAL }],
  });
  return rows;
}

function printSummary(
  rows: readonly PeerRow[],
  stepJob: Samples,
  imageNodes: Samples,
  threads: number,
): void {
  console.log(formatTable(rows, ['kosmograph', 'PyTorch', 'ORT python']));
  console.log(
    `${threads} CPU threads for PyTorch and onnxruntime (python); kosmograph runs onnxruntime-node with its default`,
  );
  const fmt = (s: Samples, unit: string) =>
    Object.entries(medians(s))
      .map(([k, ms]) => `${k}${unit} ${(ms / 1000).toFixed(2)} s`)
      .join(', ');
  console.log(
    `kosmograph step jobs (whole job: executor, cached checkpoint + text encode, Save Latent): ${fmt(stepJob, ' px')}`,
  );
  if (Object.keys(imageNodes).length > 0)
    console.log(`kosmograph image nodes (medians): ${fmt(imageNodes, '')}`);
}

try {
  await main();
} catch (error) {
  console.error(`bench:peer FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
