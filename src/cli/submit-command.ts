import { open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { NodeRegistry } from '../core/node-definition';
import { createFilePolicy } from '../runtime/node/file-policy';
import type { RuntimeServices } from '../runtime/services';
import { type JobView, jobCreatedSchema, jobViewSchema, requestErrorSchema } from '../server/job-model';
import { writeFileAtomic } from './atomic-write';
import { CliError, EXIT } from './cli-error';
import { readGraphFile } from './graph-file';
import { inlineImageFiles } from './portable-inputs';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function startsAsPng(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = new Uint8Array(8);
    await handle.read(head, 0, 8, 0);
    return PNG_SIGNATURE.every((b, i) => head[i] === b);
  } finally {
    await handle.close();
  }
}

import { applyCommandLine, type CliIo } from './run-command';

export const SUBMIT_USAGE = `usage: kosmograph submit <graph.json|image.png> --server URL [--token T] [--seeds 1..100]
                        [--set NODE.PARAM=VALUE]... [--input NODE=FILE]... [--wait] [--out DIR]`;

/** `1..100`, `1,5,9` or `7` (mixed: `1..3,10`): at most 100,000 seeds. */
export function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(part);
    if (!range) throw new CliError(EXIT.invalid, [`--seeds "${text}": use 1..100, 1,5,9 or 7`]);
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    if (to < from || to - from + seeds.length >= 100_000 || !Number.isSafeInteger(to))
      throw new CliError(EXIT.invalid, [`--seeds "${text}": ${from}..${to} is empty or too long`]);
    for (let seed = from; seed <= to; seed++) seeds.push(seed);
  }
  return seeds;
}

const submitArgsSchema = z.object({
  server: z.string().url('a URL like http://127.0.0.1:8188'),
  token: z.string().optional(),
  seeds: z.string().optional(),
  set: z.array(z.string()).default([]),
  input: z.array(z.string()).default([]),
  wait: z.boolean().default(false),
  out: z.string().default('output'),
});

const withSuffix = (name: string, suffix: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${suffix}${name.slice(dot)}` : `${name}-${suffix}`;
};

const FINISHED = new Set(['done', 'failed', 'cancelled']);

/**
 * `kosmograph submit`: sends a graph to a `kosmograph serve` once per seed, shows one progress
 * bar over all jobs, and with --wait downloads every output into --out (atomically;
 * `name-seedN.png` when there are several seeds). Exit 1 when a job failed.
 */
export async function submitCommand(
  argv: readonly string[],
  registry: NodeRegistry<RuntimeServices>,
  io: CliIo,
): Promise<number> {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        seeds: { type: 'string' },
        set: { type: 'string', multiple: true },
        input: { type: 'string', multiple: true },
        wait: { type: 'boolean' },
        out: { type: 'string', short: 'o' },
      },
    }));
  } catch (error) {
    throw new CliError(EXIT.invalid, [(error as Error).message, SUBMIT_USAGE]);
  }
  if (positionals.length !== 1)
    throw new CliError(EXIT.invalid, ['submit takes exactly one graph file', SUBMIT_USAGE]);
  const parsed = submitArgsSchema.safeParse({ token: process.env.KOSMOGRAPH_TOKEN, ...values });
  if (!parsed.success)
    throw new CliError(
      EXIT.invalid,
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`),
    );
  const args = parsed.data;
  const graphPath = positionals[0]!;
  const seeds = args.seeds !== undefined ? parseSeeds(args.seeds) : [undefined];

  const loaded = await readGraphFile(graphPath, registry.lookup);
  for (const warning of loaded.warnings) io.stderr.write(`warning: ${warning}\n`);
  // Inputs travel as data: URLs: the server reads no files of this machine.
  const baseDir = dirname(resolve(graphPath));
  const withInputs = applyCommandLine(loaded.graph, { inputs: args.input, sets: [] }, registry);
  // Only what `run` would let this graph read is uploaded: its own folder (none for a PNG, a
  // shared image) and the --input files; a path a graph names elsewhere is refused, not sent.
  const fromPng = await startsAsPng(graphPath);
  const policy = createFilePolicy({
    roots: fromPng ? [] : [baseDir],
    origins: [],
    files: (args.input ?? []).map((text) => resolve(text.slice(text.indexOf('=') + 1))),
  });
  const graph = await inlineImageFiles(withInputs, baseDir, registry.lookup, policy);

  const base = args.server.replace(/\/+$/, '');
  const headers: Record<string, string> = args.token ? { authorization: `Bearer ${args.token}` } : {};
  const call = async (path: string, init: RequestInit = {}) => {
    try {
      return await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
    } catch (error) {
      throw new CliError(EXIT.runtimeFailure, [`cannot reach ${base}: ${(error as Error).message}`]);
    }
  };
  const refused = async (response: Response): Promise<never> => {
    const body = requestErrorSchema.safeParse(await response.json().catch(() => undefined));
    const lines = body.success
      ? [
          body.data.error,
          ...(body.data.issues ?? []).map(
            (i) =>
              `${i.nodeId ? `node "${i.nodeId}" ` : ''}${i.param ? `param "${i.param}" ` : ''}${i.message}`,
          ),
        ]
      : [`HTTP ${response.status}`];
    throw new CliError(response.status === 400 ? EXIT.invalid : EXIT.runtimeFailure, [
      `${base}: ${lines[0]}`,
      ...lines.slice(1),
    ]);
  };

  const jobs: { id: string; seed: number | undefined; view?: JobView }[] = [];
  const draw = (label: string) => {
    if (!io.stderr.isTTY) return;
    const done = jobs.filter((j) => j.view && FINISHED.has(j.view.status)).length;
    const failed = jobs.filter(
      (j) => j.view && j.view.status !== 'done' && FINISHED.has(j.view.status),
    ).length;
    const width = 24;
    const filled = Math.round((done / seeds.length) * width);
    io.stderr.write(
      `\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${seeds.length} ${label}${failed ? `, ${failed} failed` : ''}`,
    );
  };
  for (const seed of seeds) {
    const response = await call('/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        graph,
        ...(args.set.length ? { set: args.set } : {}),
        ...(seed !== undefined ? { seed } : {}),
      }),
    });
    if (response.status !== 201) await refused(response);
    const created = jobCreatedSchema.parse(await response.json());
    jobs.push({ id: created.id, seed });
    draw('submitted');
  }
  if (!args.wait) {
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K');
    for (const job of jobs)
      io.stdout.write(`${job.id}${job.seed !== undefined ? ` seed ${job.seed}` : ''}\n`);
    return EXIT.ok;
  }

  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    io.stderr.write('\ninterrupted: cancelling the unfinished jobs (Ctrl+C again to quit at once)\n');
    for (const job of jobs)
      if (!job.view || !FINISHED.has(job.view.status)) void call(`/jobs/${job.id}`, { method: 'DELETE' });
  };
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      const open = jobs.filter((j) => !j.view || !FINISHED.has(j.view.status));
      if (open.length === 0) break;
      for (let i = 0; i < open.length; i += 16) {
        await Promise.all(
          open.slice(i, i + 16).map(async (job) => {
            const response = await call(`/jobs/${job.id}`);
            if (response.status !== 200) await refused(response);
            job.view = jobViewSchema.parse(await response.json());
          }),
        );
      }
      draw('done');
      if (jobs.some((j) => !j.view || !FINISHED.has(j.view.status)))
        await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (io.stderr.isTTY) io.stderr.write('\r\x1b[2K');
  }

  let failures = 0;
  for (const job of jobs) {
    const view = job.view!;
    if (view.status !== 'done') {
      failures += 1;
      const where = view.error?.nodeId ? `node "${view.error.nodeId}" ` : '';
      io.stderr.write(
        `error: job ${job.id}${job.seed !== undefined ? ` (seed ${job.seed})` : ''} ${view.status}${view.error ? `: ${where}${view.error.message}` : ''}\n`,
      );
      continue;
    }
    for (const output of view.outputs) {
      const response = await call(`/jobs/${job.id}/outputs/${encodeURIComponent(output.name)}`);
      if (response.status !== 200) await refused(response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const name =
        seeds.length > 1 && job.seed !== undefined ? withSuffix(output.name, `seed${job.seed}`) : output.name;
      const path = join(args.out, name);
      await writeFileAtomic(path, bytes);
      io.stdout.write(`${path}\n`);
    }
  }
  if (interrupted) return EXIT.interrupted;
  return failures > 0 ? EXIT.runtimeFailure : EXIT.ok;
}
