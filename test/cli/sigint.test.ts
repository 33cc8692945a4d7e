import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { EXIT } from '../../src/cli/cli-error';
import { inProcessEngine, runCommand } from '../../src/cli/run-command';
import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { captureIo } from './capture-io';

/** An image pass-through that takes many short steps, like a sampler. */
const slowPassThrough: NodeDefinition<RuntimeServices> = {
  type: 'test.slow_image',
  typeVersion: 1,
  title: 'Slow',
  category: 'test',
  description: '',
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [{ name: 'image', type: 'IMAGE' }],
  params: [],
  async execute({ inputs, signal, progress }) {
    for (let step = 1; step <= 200; step++) {
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await progress(step, 200);
      if (step === 3) process.emit('SIGINT');
    }
    return { outputs: { image: inputs.image } };
  },
};

describe('SIGINT during kosmograph run', () => {
  it('cancels the job, writes no files and exits 130', async () => {
    const registry = createNodeRegistry();
    registry.register(slowPassThrough);
    const graph = JSON.parse(readFileSync('public/examples/canny.json', 'utf8')) as {
      nodes: { id: string; type: string; typeVersion: number; params: object }[];
      edges: { from: { node: string; port: string }; to: { node: string; port: string } }[];
    };
    graph.nodes.push({ id: 'slow', type: 'test.slow_image', typeVersion: 1, params: {} });
    graph.edges = graph.edges.map((e) =>
      e.to.node === 'save' ? { ...e, from: { node: 'slow', port: 'image' } } : e,
    );
    graph.edges.push({ from: { node: 'canny', port: 'image' }, to: { node: 'slow', port: 'image' } });
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-sigint-'));
    const graphPath = join(dir, 'graph.json');
    const { writeFileSync, copyFileSync, mkdirSync } = await import('node:fs');
    writeFileSync(graphPath, JSON.stringify(graph));
    mkdirSync(join(dir, 'images'));
    copyFileSync(
      'public/examples/images/red-circle-blue-square.png',
      join(dir, 'images/red-circle-blue-square.png'),
    );
    const out = join(dir, 'out');
    const io = captureIo();
    const listenersBefore = process.listenerCount('SIGINT');
    const code = await runCommand(
      { command: 'run', graphPath, outDir: out, backend: 'auto', sets: [], inputs: [], json: true },
      registry,
      io,
      inProcessEngine, // the test node exists only in this thread's registry
    );
    expect(code).toBe(EXIT.interrupted);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; step?: number });
    expect(lines.at(-2)?.type).toBe('job:cancelled');
    expect(lines.at(-1)).toEqual({ type: 'result', status: 'cancelled', outputs: [] });
    expect(lines.filter((l) => l.type === 'node:progress').length).toBeLessThanOrEqual(4);
    expect(readdirSync(dir).sort()).toEqual(['graph.json', 'images']); // the out folder was never made
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
  });
});
