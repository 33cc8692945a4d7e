import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeRegistry } from '../../nodes/index';
import { parseCliArgs } from '../../src/cli/args';
import { CliError } from '../../src/cli/cli-error';
import { main } from '../../src/cli/main';
import { inProcessEngine, runCommand } from '../../src/cli/run-command';
import { GraphValidationError } from '../../src/core/validation-error';
import { captureIo } from '../cli/capture-io';

export interface GraphJson {
  nodes: { id: string; type: string; typeVersion: number; params: Record<string, unknown> }[];
  edges: { from: { node: string; port: string }; to: { node: string; port: string } }[];
}

export const tempDir = (label = 'sec') => mkdtempSync(join(tmpdir(), `kosmograph-${label}-`));

/** The CLI in this process (the engine still runs in its worker thread). */
export async function cli(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

export const example = (name: string): GraphJson =>
  JSON.parse(readFileSync(`public/examples/${name}.json`, 'utf8')) as GraphJson;

/** The canny example in `dir` with its input image beside it. */
export function cannyIn(dir: string): { graph: GraphJson; imageName: string } {
  mkdirSync(join(dir, 'images'), { recursive: true });
  copyFileSync(
    'public/examples/images/red-circle-blue-square.png',
    join(dir, 'images/red-circle-blue-square.png'),
  );
  return { graph: example('canny'), imageName: 'images/red-circle-blue-square.png' };
}

export function writeGraph(dir: string, name: string, graph: GraphJson): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(graph));
  return path;
}

export const imageLoad = (id: string, image: string) => ({
  id,
  type: 'image.load',
  typeVersion: 1,
  params: { image },
});

/** `kosmograph` as a user runs it: a separate process, for signals and concurrent runs. */
export function spawnCli(args: readonly string[]): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['bin/kosmograph.mjs', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  // As a shell reports it: the exit code, or 128 + the signal that ended the process.
  const signals: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signals[signal] ?? 0) : null))),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Resolves once `read()` matches `pattern` (polling), or rejects after `ms`. */
export async function waitFor(read: () => string, pattern: RegExp, ms = 150_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(read())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${pattern}; got: ${read().slice(-500)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `kosmograph run` with the engine in this thread (no worker start: a second faster), printing
 * errors as `main` does. For the many refusal cases; the worker path has its own cases.
 */
export async function runInProcess(...args: string[]) {
  const io = captureIo();
  let code: number;
  try {
    const command = parseCliArgs(args);
    if (command.command !== 'run') throw new Error('runInProcess runs `run` only');
    code = await runCommand(command, createNodeRegistry(), io, inProcessEngine);
  } catch (error) {
    if (error instanceof GraphValidationError)
      for (const line of error.lines()) io.stderr.write(`error: ${line}\n`);
    else if (error instanceof CliError) for (const line of error.lines) io.stderr.write(`error: ${line}\n`);
    else throw error;
    code = error instanceof CliError ? error.exitCode : 2;
  }
  return { code, out: io.out(), err: io.err() };
}
