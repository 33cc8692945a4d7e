/**
 * CLI start (issue 13, item 4): `kosmograph nodes` and the README's main job
 * (`bin/kosmograph.mjs run public/examples/subject-driven.json --out ...`), each timed end to end as
 * a new process, interleaved, median of several runs after a warm-up; every run must exit 0 and
 * do its job (the listing printed, the PNG written), and every compiled run must say it ran the
 * compiled build (a start that fell back to the sources would be slower, not a pass).
 * Goals: `nodes` <= 0.3 s, the main job <= 1.5 s (wall), both started as the README starts them (the
 * bin itself, as a global install or `npm link` also does). `npx kosmograph run` is reported beside
 * them: npx adds npm's own start (it loads the installed package tree to find the bin), which is
 * npm's cost, not kosmograph's, and is shown as its own row. Also reported: CPU time of each run (all
 * its Node processes, which a loaded machine inflates far less than wall), the freshness check's cost,
 * the same starts from the sources (tsx), and `node -e 0` as this machine's floor.
 *
 *   npx tsx bench/cli-start.ts [--runs N]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkCompiledBuild } from '../bin/compiled-build.mjs';
import { buildCli } from '../scripts/build-cli';
import { ensureReferencePack } from '../scripts/pack/ensure';
import { recordResults } from './results-file';

const BIN = resolve('bin/kosmograph.mjs');
const CPU_PRELOAD = resolve(import.meta.dirname, 'cli-start-cpu.mjs');
const CPU_DIR = mkdtempSync(join(tmpdir(), 'kosmograph-bench-cpu-'));
let cpuRuns = 0;
const MAIN_JOB = 'public/examples/subject-driven.json';
const MAIN_JOB_ROW = "main job (README's bin/kosmograph.mjs run)";
const NPX_ROW = 'main job through npx kosmograph run';

interface Measured {
  readonly ms: number;
  /** CPU time of every Node process of the run (bench/cli-start-cpu.mjs). */
  readonly cpuMs: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as a new process; fails unless it exits 0. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const cpuFile = join(CPU_DIR, `${++cpuRuns}.txt`);
  const cpuEnv = {
    KOSMOGRAPH_BENCH_CPU_FILE: cpuFile,
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(CPU_PRELOAD).href}`.trim(),
  };
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(command, args, {
      env: { ...process.env, ...env, ...cpuEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) fail(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
      else {
        const cpuMs = readFileSync(cpuFile, 'utf8')
          .trim()
          .split('\n')
          .reduce((sum, line) => sum + Number(line), 0);
        done({ ms, cpuMs, stdout, stderr });
      }
    });
  });
}

interface Case {
  readonly name: string;
  /** One run (wall and CPU ms); throws when the run did not do its job. */
  run(): Promise<Measured>;
}

const DEBUG = { KOSMOGRAPH_DEBUG_START: '1' };
const FROM_SOURCE = { KOSMOGRAPH_FROM_SOURCE: '1' };

function expectCompiled(m: Measured, what: string): void {
  if (!m.stderr.includes('kosmograph start: cli compiled')) {
    throw new Error(
      `${what} did not run the compiled CLI (sources changed during the bench?): ${m.stderr.trim()}`,
    );
  }
}

function nodesCase(name: string, env: NodeJS.ProcessEnv, compiled: boolean): Case {
  return {
    name,
    async run() {
      const m = await timed(BIN, ['nodes'], env);
      if (!m.stdout.includes('models.pack'))
        throw new Error(`${name}: the node listing is missing models.pack`);
      if (compiled) expectCompiled(m, name);
      return m;
    },
  };
}

function mainJobCase(
  name: string,
  command: 'npx' | 'bin' | 'node',
  env: NodeJS.ProcessEnv,
  compiled: boolean,
): Case {
  return {
    name,
    async run() {
      const out = mkdtempSync(join(tmpdir(), 'kosmograph-bench-cli-'));
      try {
        const args = ['run', MAIN_JOB, '--out', out];
        const m =
          command === 'npx'
            ? await timed('npx', ['kosmograph', ...args], env)
            : command === 'bin'
              ? await timed(BIN, args, env) // the README's command: the bin's own #!/usr/bin/env node
              : await timed(process.execPath, [BIN, ...args], env);
        const png = join(out, 'subject-driven.png');
        if (m.stdout.trim() !== png || !existsSync(png)) {
          throw new Error(`${name}: expected ${png} on stdout and on disk, got ${JSON.stringify(m.stdout)}`);
        }
        if (compiled) expectCompiled(m, name);
        return m;
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
  };
}

const floorCase: Case = {
  name: 'node -e 0 (floor)',
  run: () => timed(process.execPath, ['-e', '0']),
};

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Runs every case `runs` times, interleaved (A B C A B C ...), after one warm-up round. */
async function interleaved(cases: readonly Case[], runs: number): Promise<Map<string, Measured[]>> {
  const times = new Map(cases.map((c) => [c.name, [] as Measured[]]));
  for (const c of cases) await c.run(); // warm-up: page cache, hash cache, pack
  for (let i = 0; i < runs; i++) for (const c of cases) times.get(c.name)!.push(await c.run());
  return times;
}

interface Row {
  readonly name: string;
  readonly medianMs: number;
  readonly medianCpuMs?: number;
  readonly runs: number;
  readonly goalMs?: number;
  readonly ok: boolean;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } }, strict: true });
  const runs = z.coerce.number().int().min(5).parse(values.runs);
  await ensureReferencePack();
  const before = checkCompiledBuild('cli');
  if (!before.fresh) {
    console.log(`compiled CLI not fresh (${before.reason}): building it`);
    await buildCli();
  }
  // The check every start pays, in process (the stat calls dominate).
  const checkMs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    if (!checkCompiledBuild('cli').fresh) throw new Error('the compiled CLI went stale during the bench');
    checkMs.push(performance.now() - t);
  }
  const fast = await interleaved(
    [
      floorCase,
      nodesCase('kosmograph nodes', DEBUG, true),
      mainJobCase(MAIN_JOB_ROW, 'bin', DEBUG, true),
      mainJobCase(NPX_ROW, 'npx', DEBUG, true),
    ],
    runs,
  );
  const slow = await interleaved(
    [
      nodesCase('kosmograph nodes from sources (tsx)', FROM_SOURCE, false),
      mainJobCase('main job from sources (tsx)', 'node', FROM_SOURCE, false),
    ],
    5,
  );
  const goals: Record<string, number> = { 'kosmograph nodes': 300, [MAIN_JOB_ROW]: 1500 };
  const rows: Row[] = [
    { name: 'freshness check (in process)', medianMs: median(checkMs), runs: checkMs.length, ok: true },
    ...[...fast, ...slow].map(([name, measured]) => {
      const goalMs = goals[name];
      const medianMs = median(measured.map((m) => m.ms));
      return {
        name,
        medianMs,
        medianCpuMs: median(measured.map((m) => m.cpuMs)),
        runs: measured.length,
        ...(goalMs === undefined ? {} : { goalMs }),
        ok: goalMs === undefined || medianMs <= goalMs,
      };
    }),
  ];
  // What npx adds (its own start, before it runs the bin): the difference of the two medians.
  const medianOf = (name: string) => rows.find((r) => r.name === name)?.medianMs ?? Number.NaN;
  rows.push({
    name: "npx's own start (npx - bin)",
    medianMs: medianOf(NPX_ROW) - medianOf(MAIN_JOB_ROW),
    runs,
    ok: true,
  });
  const ms = (x: number | undefined) => (x === undefined ? '' : `${x.toFixed(Math.abs(x) < 10 ? 2 : 0)} ms`);
  console.log('cli start (medians)                            wall  cpu time       goal   runs');
  for (const row of rows) {
    const goal = row.goalMs === undefined ? '' : `<= ${row.goalMs} ms`;
    console.log(
      `${row.name.padEnd(43)} ${ms(row.medianMs).padStart(9)} ${ms(row.medianCpuMs).padStart(9)} ${goal.padStart(10)} ${String(row.runs).padStart(5)}  ${row.ok ? 'ok' : 'MISSED'}`,
    );
  }
  console.log(
    'cpu time: user + system of every Node process of a run (npx included); wall is what the goals hold',
  );
  rmSync(CPU_DIR, { recursive: true, force: true });
  await recordResults('cli', rows);
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
