import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { EXIT } from '../../src/cli/cli-error';
import { inProcessEngine, runCommand } from '../../src/cli/run-command';
import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { captureIo } from './capture-io';

/** An image pass-through that warns with a message holding a newline and an escape sequence. */
const warningPassThrough: NodeDefinition<RuntimeServices> = {
  type: 'test.warn_image',
  typeVersion: 1,
  title: 'Warn',
  category: 'test',
  description: '',
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [{ name: 'image', type: 'IMAGE' }],
  params: [],
  async execute({ inputs, warn }) {
    warn('2 LoRA keys matched no weight:\n\x1b[31mlora_unet_x\x1b[0m');
    return { outputs: { image: inputs.image } };
  },
};

function graphDir(): string {
  const graph = JSON.parse(readFileSync('public/examples/canny.json', 'utf8')) as {
    nodes: { id: string; type: string; typeVersion: number; params: object }[];
    edges: { from: { node: string; port: string }; to: { node: string; port: string } }[];
  };
  graph.nodes = graph.nodes.filter((n) => n.id !== 'preview');
  graph.nodes.push({ id: 'warner', type: 'test.warn_image', typeVersion: 1, params: {} });
  graph.edges = graph.edges
    .filter((e) => e.to.node !== 'preview')
    .map((e) => (e.to.node === 'save' ? { ...e, from: { node: 'warner', port: 'image' } } : e));
  graph.edges.push({ from: { node: 'canny', port: 'image' }, to: { node: 'warner', port: 'image' } });
  const dir = mkdtempSync(join(tmpdir(), 'kosmograph-warn-'));
  writeFileSync(join(dir, 'graph.json'), JSON.stringify(graph));
  mkdirSync(join(dir, 'images'));
  copyFileSync(
    'public/examples/images/red-circle-blue-square.png',
    join(dir, 'images/red-circle-blue-square.png'),
  );
  return dir;
}

describe('node warnings in kosmograph run', () => {
  const registry = createNodeRegistry();
  registry.register(warningPassThrough);
  const expectedLine = 'warning: warner: 2 LoRA keys matched no weight:\\n\\x1b[31mlora_unet_x\\x1b[0m\n';

  it('prints one escaped stderr line per warning and still writes the outputs', async () => {
    const dir = graphDir();
    const io = captureIo();
    const code = await runCommand(
      {
        command: 'run',
        graphPath: join(dir, 'graph.json'),
        outDir: join(dir, 'out'),
        backend: 'auto',
        sets: [],
        inputs: [],
        json: false,
      },
      registry,
      io,
      inProcessEngine, // the test node exists only in this thread's registry
    );
    expect(code).toBe(EXIT.ok);
    expect(io.err()).toBe(expectedLine);
    expect(io.out().trim().split('\n')).toHaveLength(1); // the saved PNG's path
  });

  it('passes the warning in --json output as a node:warning line', async () => {
    const dir = graphDir();
    const io = captureIo();
    const code = await runCommand(
      {
        command: 'run',
        graphPath: join(dir, 'graph.json'),
        outDir: join(dir, 'out'),
        backend: 'auto',
        sets: [],
        inputs: [],
        json: true,
      },
      registry,
      io,
      inProcessEngine,
    );
    expect(code).toBe(EXIT.ok);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; nodeId?: string; message?: string });
    expect(lines.filter((l) => l.type === 'node:warning')).toEqual([
      expect.objectContaining({
        nodeId: 'warner',
        message: '2 LoRA keys matched no weight:\n\x1b[31mlora_unet_x\x1b[0m',
      }),
    ]);
    expect(io.err()).toBe(expectedLine);
  });
});
