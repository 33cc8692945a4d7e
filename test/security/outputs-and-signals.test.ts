/**
 * Issue 14, items 4 and 5: all-or-nothing outputs and signals, reproduced against the real
 * command (`node bin/kosmograph.mjs`, a separate process) where signals or two processes matter.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG_GRAPH_KEYWORD } from '../../src/core/graph-png';
import { readPngChunks } from '../../src/core/png-metadata';
import {
  example,
  type GraphJson,
  runInProcess,
  spawnCli,
  tempDir,
  waitFor,
  writeGraph,
} from './security-helpers';

/** text-to-image with extra Save Image nodes on the decoded image. */
function withSaves(prefixes: [id: string, prefix: string][], steps = 4): GraphJson {
  const graph = example('text-to-image');
  for (const n of graph.nodes) if (n.id === 'sampler') n.params.steps = steps;
  graph.nodes = graph.nodes.filter((n) => n.id !== 'save');
  graph.edges = graph.edges.filter((e) => e.to.node !== 'save');
  for (const [id, prefix] of prefixes) {
    graph.nodes.push({ id, type: 'image.save', typeVersion: 1, params: { filename_prefix: prefix } });
    graph.edges.push({ from: { node: 'decode', port: 'image' }, to: { node: id, port: 'image' } });
  }
  return graph;
}

/** A graph that runs for a while: 150 steps over a batch of 16 (well over a second here). */
function slowGraph(): GraphJson {
  const graph = withSaves([['save', 'slow']], 150);
  for (const n of graph.nodes) if (n.id === 'latent') n.params.batch_size = 16;
  return graph;
}

const seedOf = (png: string): number => {
  const chunk = readPngChunks(new Uint8Array(readFileSync(png))).find(
    (c) => c.type === 'iTXt' && new TextDecoder().decode(c.data).startsWith(`${PNG_GRAPH_KEYWORD}\0`),
  );
  const payload = JSON.parse(new TextDecoder().decode(chunk!.data).split('\0').at(-1)!) as {
    seeds: Record<string, number>;
  };
  return payload.seeds['sampler.seed']!;
};

describe('output names and --out, checked before the job runs', () => {
  it('saves named p, p and p-x are refused before running, naming the nodes', async () => {
    const dir = tempDir('names');
    const path = writeGraph(
      dir,
      'g.json',
      withSaves([
        ['x', 'p'],
        ['y', 'p'],
        ['z', 'p-x'],
      ]),
    );
    const out = join(dir, 'out');
    const { code, err, out: stdout } = await runInProcess('run', path, '--out', out, '--json');
    expect(code).toBe(2);
    expect(err).toBe('error: nodes "x" and "z" would all write p-x.png; give them different file names\n');
    expect(stdout).not.toContain('job:start');
    expect(existsSync(out)).toBe(false);
  });

  it('saves named p, p and q give three files', async () => {
    const dir = tempDir('names');
    const path = writeGraph(
      dir,
      'g.json',
      withSaves([
        ['x', 'p'],
        ['y', 'p'],
        ['z', 'q'],
      ]),
    );
    const out = join(dir, 'out');
    const { code, err } = await runInProcess('run', path, '--out', out);
    expect(code, err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['p-x.png', 'p-y.png', 'q.png']);
  });

  it('--out being a file fails at once with one line, before the job', async () => {
    const dir = tempDir('outfile');
    const file = join(dir, 'taken');
    writeFileSync(file, 'not a folder');
    const { code, err, out } = await runInProcess(
      'run',
      writeGraph(dir, 'g.json', withSaves([['s', 's']])),
      '--out',
      file,
      '--json',
    );
    expect(code).toBe(2);
    expect(err).toBe(`error: --out ${file}: is a file, not a folder\n`);
    expect(out).not.toContain('job:start');
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
  });

  it('--out that cannot be created fails at once with one line', async () => {
    const dir = tempDir('outfile');
    const { code, err } = await runInProcess(
      'run',
      writeGraph(dir, 'g.json', withSaves([['s', 's']])),
      '--out',
      '/proc/kosmograph-out',
    );
    expect(code).toBe(2);
    expect(err).toMatch(/^error: --out \/proc\/kosmograph-out: cannot write there \(\w+\)\n$/);
  });
});

/** A 64 KiB tmpfs (16 pages; each file takes one) for a real ENOSPC (needs root, as in CI's container); undefined elsewhere. */
function tinyDisk(): { dir: string; release: () => void } | undefined {
  const dir = tempDir('enospc');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { dir, release: () => execFileSync('umount', [dir]) };
}

describe('a full disk', () => {
  const disk = tinyDisk();
  it.skipIf(!disk)(
    'ENOSPC while writing the set publishes nothing, leaves no temp folder, says so in one line',
    async () => {
      try {
        const dir = tempDir('enospc-graph');
        const saves = Array.from({ length: 40 }, (_, i) => [`s${i}`, `image-${i}`] as [string, string]);
        const path = writeGraph(dir, 'g.json', withSaves(saves));
        writeFileSync(join(disk!.dir, 'keep.png'), 'an older output');
        const { code, err } = await runInProcess('run', path, '--out', disk!.dir);
        expect(code).toBe(1);
        expect(err).toMatch(
          /^error: cannot write the outputs into .* \(the disk is full\); none were written\n$/,
        );
        expect(readdirSync(disk!.dir)).toEqual(['keep.png']);
        expect(readFileSync(join(disk!.dir, 'keep.png'), 'utf8')).toBe('an older output');
      } finally {
        disk!.release();
      }
    },
  );
});

describe('signals', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s mid-run cancels the job in its worker: exit %i, a result line, no files, no temp folder',
    async (signal, exitCode) => {
      const dir = tempDir('signal');
      const out = join(dir, 'out');
      const run = spawnCli(['run', writeGraph(dir, 'slow.json', slowGraph()), '--out', out, '--json']);
      await waitFor(run.stdout, /"type":"node:progress"/);
      run.child.kill(signal);
      expect(await run.exit).toBe(exitCode);
      const lines = run.stdout().trim().split('\n');
      expect(JSON.parse(lines.at(-1)!)).toEqual({ type: 'result', status: 'cancelled', outputs: [] });
      expect(run.stderr()).toMatch(
        signal === 'SIGTERM' ? /terminated: cancelling the job/ : /interrupted: cancelling/,
      );
      expect(existsSync(out)).toBe(false); // not even the hidden temp folder: the folder it made is gone
    },
    180_000, // a separate process starting under a loaded machine
  );

  it('a second Ctrl+C quits even while reading a graph file that never ends (a FIFO)', async () => {
    const dir = tempDir('fifo');
    const fifo = join(dir, 'graph.json');
    execFileSync('mkfifo', [fifo]);
    const run = spawnCli(['run', fifo, '--out', join(dir, 'out')]);
    // Opening the write end returns once the CLI opened the read end; nothing is ever written.
    const writer = await open(fifo, 'w');
    run.child.kill('SIGINT');
    await waitFor(run.stderr, /interrupted/, 20_000);
    run.child.kill('SIGINT');
    const code = await Promise.race([run.exit, new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    if (code === 'hung') run.child.kill('SIGKILL');
    await writer.close();
    expect(code).toBe(130);
  }, 180_000);
});

describe('SIGINT during a fetch', () => {
  it('exits 130, not 1, and writes nothing', async () => {
    const server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const requested = new Promise<void>((resolve) => server.once('request', () => resolve()));
    try {
      const dir = tempDir('fetch');
      const graph = example('canny');
      for (const n of graph.nodes) if (n.id === 'image') n.params.image = `${origin}/slow.png`;
      const out = join(dir, 'out');
      const run = spawnCli(['run', writeGraph(dir, 'g.json', graph), '--out', out, '--allow-origin', origin]);
      await requested;
      run.child.kill('SIGINT');
      expect(await run.exit).toBe(130);
      expect(run.stderr()).toMatch(/cancelled; no files written/);
      expect(existsSync(out)).toBe(false);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 180_000);
});

describe('two runs on one --out', () => {
  it('publish whole sets one after the other: every file of the folder comes from one run', async () => {
    const dir = tempDir('concurrent');
    const out = join(dir, 'out');
    const graph = withSaves(
      [
        ['a', 'a'],
        ['b', 'b'],
        ['c', 'c'],
      ],
      6,
    );
    const path = writeGraph(dir, 'g.json', graph);
    const runs = [1, 2].map((seed) => spawnCli(['run', path, '--out', out, '--seed', String(seed)]));
    const codes = await Promise.all(runs.map((r) => r.exit));
    expect(codes, runs.map((r) => r.stderr()).join('\n')).toEqual([0, 0]);
    expect(readdirSync(out).sort()).toEqual(['a.png', 'b.png', 'c.png']);
    const seeds = new Set(['a', 'b', 'c'].map((name) => seedOf(join(out, `${name}.png`))));
    expect(seeds.size).toBe(1);
  }, 240_000);
});
