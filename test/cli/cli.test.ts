import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { main } from '../../src/cli/main';
import { readGraphFromPng } from '../../src/core/graph-png';
import { decodeImage } from '../../src/runtime/image/codec';
import { captureIo } from './capture-io';

const CANNY = 'public/examples/canny.json';
const tempDir = () => mkdtempSync(join(tmpdir(), 'kosmograph-cli-'));

async function cli(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

describe('kosmograph run', () => {
  it('runs the canny example and writes a PNG that embeds the graph', async () => {
    const out = tempDir();
    const { code, out: stdout } = await cli('run', CANNY, '--out', out);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(join(out, 'canny.png'));
    const png = new Uint8Array(readFileSync(join(out, 'canny.png')));
    const image = decodeImage(png, 'canny.png');
    expect([image.width, image.height]).toEqual([128, 128]);
    const white = image.data.filter((v) => v === 255).length / 3;
    expect(white).toBeGreaterThan(100); // edges of a circle and a square
    expect(white).toBeLessThan(128 * 128 * 0.2);
    const { graph } = readGraphFromPng(png, createNodeRegistry().lookup, 'canny.png');
    expect(graph.nodes.map((n) => n.id)).toEqual(['image', 'canny', 'save', 'preview']);
    expect(readdirSync(out)).toEqual(['canny.png']); // no temp files left
  });

  it('re-running the PNG it wrote gives a byte-identical image (the --input image travels inside it)', async () => {
    const first = tempDir();
    const second = tempDir();
    const image = join(process.cwd(), 'public/examples/images/red-circle-blue-square.png');
    expect((await cli('run', CANNY, '--out', first, '--input', `image=${image}`)).code).toBe(0);
    expect((await cli('run', join(first, 'canny.png'), '--out', second)).code).toBe(0);
    expect(readFileSync(join(second, 'canny.png')).equals(readFileSync(join(first, 'canny.png')))).toBe(true);
  });

  it('applies --set and --input, and reports JSON lines with --json', async () => {
    const out = tempDir();
    const image = join(process.cwd(), 'public/examples/images/red-circle-blue-square.png');
    const { code, out: stdout } = await cli(
      'run',
      CANNY,
      '--out',
      out,
      '--set',
      'save.filename_prefix=edges',
      '--set',
      'canny.high_threshold=250',
      '--input',
      `image=${image}`,
      '--json',
    );
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(lines[0]?.type).toBe('job:start');
    expect(lines.map((l) => l.type)).toContain('node:done');
    expect(lines.at(-1)).toEqual({ type: 'result', status: 'done', outputs: [join(out, 'edges.png')] });
    const { graph } = readGraphFromPng(
      new Uint8Array(readFileSync(join(out, 'edges.png'))),
      createNodeRegistry().lookup,
      'x',
    );
    expect(graph.nodes.find((n) => n.id === 'canny')?.params.high_threshold).toBe(250);
  });
});

interface GraphJson {
  nodes: { id: string; type: string; typeVersion: number; params: Record<string, unknown> }[];
  edges: { from: { node: string; port: string }; to: { node: string; port: string } }[];
}

const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({
  id,
  type,
  typeVersion: 1,
  params,
});
const edge = (from: string, fromPort: string, to: string, toPort: string) => ({
  from: { node: from, port: fromPort },
  to: { node: to, port: toPort },
});

/** text-to-image with fewer steps and Save Latent nodes on the sampler's latent. */
function withSaveLatents(...saves: [id: string, prefix: string][]): GraphJson {
  const graph = JSON.parse(readFileSync('public/examples/text-to-image.json', 'utf8')) as GraphJson;
  for (const n of graph.nodes) if (n.id === 'sampler') n.params.steps = 6;
  for (const [id, prefix] of saves) {
    graph.nodes.push(node(id, 'latent.save', { filename_prefix: prefix }));
    graph.edges.push(edge('sampler', 'latent', id, 'latent'));
  }
  return graph;
}

describe('kosmograph run with .latent files', () => {
  it('writes <prefix>.latent next to the PNG, lists it in --json, and a graph can load it by relative path', async () => {
    const dir = tempDir();
    const graphPath = writeJson(
      dir,
      'gen.json',
      withSaveLatents(['save_latent', 'gen'], ['dup_a', 'dup'], ['dup_b', 'dup']),
    );
    const out = join(dir, 'out');
    const { code, out: stdout, err } = await cli('run', graphPath, '--out', out, '--json');
    expect(code, err).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; nodeId?: string; artifact?: unknown; outputs?: string[] });
    expect(lines.find((l) => l.type === 'node:output' && l.nodeId === 'save_latent')?.artifact).toEqual({
      kind: 'file',
      fileName: 'gen.latent',
      mediaType: 'application/octet-stream',
      bytes: expect.any(Number),
    });
    const outputs = ['text-to-image.png', 'gen.latent', 'dup-dup_a.latent', 'dup-dup_b.latent'].map((f) =>
      join(out, f),
    );
    expect(lines.at(-1)).toEqual({ type: 'result', status: 'done', outputs: expect.any(Array) });
    expect([...(lines.at(-1)?.outputs ?? [])].sort()).toEqual([...outputs].sort());
    expect(readdirSync(out).sort()).toEqual([
      'dup-dup_a.latent',
      'dup-dup_b.latent',
      'gen.latent',
      'text-to-image.png',
    ]);
    const latent = new Uint8Array(readFileSync(join(out, 'gen.latent')));
    expect(decodeLatentFile(latent, 'gen.latent').samples.dims).toEqual([1, 4, 16, 16]);
    expect(readFileSync(join(out, 'dup-dup_a.latent')).equals(Buffer.from(latent))).toBe(true);

    // A graph in the output folder loads gen.latent by a path relative to itself and decodes it.
    const reload = writeJson(out, 'reload.json', {
      format: 'kosmograph.graph',
      version: 1,
      nodes: [
        node('pack', 'models.pack', { pack: 'reference' }),
        node('load', 'latent.load', { latent: 'gen.latent' }),
        node('decode', 'latent.vae_decode'),
        node('save', 'image.save', { filename_prefix: 'reloaded' }),
      ],
      edges: [
        edge('pack', 'vae', 'decode', 'vae'),
        edge('load', 'latent', 'decode', 'latent'),
        edge('decode', 'image', 'save', 'image'),
      ],
    });
    const second = await cli('run', reload, '--out', out);
    expect(second.code, second.err).toBe(0);
    expect(second.out.trim()).toBe(join(out, 'reloaded.png'));
    const direct = decodeImage(new Uint8Array(readFileSync(join(out, 'text-to-image.png'))), 'a');
    const reloaded = decodeImage(new Uint8Array(readFileSync(join(out, 'reloaded.png'))), 'b');
    expect(Buffer.from(reloaded.data).equals(Buffer.from(direct.data))).toBe(true);
  });

  it('writes no .latent when another node fails, and names the Load Latent param', async () => {
    const dir = tempDir();
    const graph = withSaveLatents(['save_latent', 'gen']);
    graph.nodes.push(
      node('load', 'latent.load', { latent: 'missing.latent' }),
      node('decode2', 'latent.vae_decode'),
    );
    graph.nodes.push(node('save2', 'image.save', { filename_prefix: 'other' }));
    graph.edges.push(
      edge('pack', 'vae', 'decode2', 'vae'),
      edge('load', 'latent', 'decode2', 'latent'),
      edge('decode2', 'image', 'save2', 'image'),
    );
    const out = join(dir, 'out');
    const { code, err } = await cli('run', writeJson(dir, 'g.json', graph), '--out', out);
    expect(code).toBe(1);
    expect(err).toMatch(/node "load" failed: param "latent": file not found: .*missing\.latent/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});

describe('kosmograph bad input', () => {
  const dir = tempDir();
  const valid = JSON.parse(readFileSync(CANNY, 'utf8')) as { nodes: { id: string; type: string }[] };

  it.each([
    ['a file that is not JSON', writeJson(dir, 'broken.json', '{ "nodes": '), /broken\.json: not valid JSON/],
    [
      'JSON that is not a graph',
      writeJson(dir, 'list.json', [1, 2, 3]),
      /list\.json: not a kosmograph graph/,
    ],
    [
      'a graph from a future version',
      writeJson(dir, 'future.json', { ...valid, version: 9 }),
      /newer kosmograph/,
    ],
    [
      'an unknown node type',
      writeJson(dir, 'unknown.json', {
        ...valid,
        nodes: valid.nodes.map((n) => (n.id === 'canny' ? { ...n, type: 'x.magic' } : n)),
      }),
      /node "canny": unknown node type "x\.magic"/,
    ],
    ['a missing file', join(dir, 'nope.json'), /nope\.json: file not found/],
    [
      'a PNG without a graph',
      join(process.cwd(), 'public/examples/images/red-circle-blue-square.png'),
      /no kosmograph graph in this image/,
    ],
  ])('%s exits 2 with a one-line message', async (_label, path, message) => {
    const { code, err } = await cli('run', path);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('a bad --set value exits 2 naming node and param', async () => {
    const { code, err } = await cli('run', CANNY, '--set', 'canny.low_threshold=lots');
    expect(code).toBe(2);
    expect(err).toBe('error: node "canny" param "low_threshold": "lots" is not a number\n');
  });

  it('an out-of-range --set value exits 2 naming node and param', async () => {
    const { code, err } = await cli('run', CANNY, '--set', 'canny.low_threshold=999');
    expect(code).toBe(2);
    expect(err).toMatch(/node "canny" param "low_threshold": must be at most 255/);
  });

  it('a missing input image exits 2 naming the node', async () => {
    const { code, err } = await cli('run', CANNY, '--input', `image=${join(dir, 'missing.png')}`);
    expect(code).toBe(2);
    expect(err).toMatch(/node "image" param "image": file not found/);
  });

  it('an unreadable image fails at run time with exit 1 naming the node', async () => {
    const notImage = writeJson(dir, 'not-image.png.txt', 'hello');
    const out = tempDir();
    const { code, err } = await cli('run', CANNY, '--input', `image=${notImage}`, '--out', out);
    expect(code).toBe(1);
    expect(err).toMatch(/node "image" failed: cannot decode image/);
    expect(readdirSync(out)).toEqual([]);
  });

  // canny feeds no output once unwired, so only the output nodes' inputs are required.
  it('validate exits 2 on a broken graph, one line per issue naming the node', async () => {
    const broken = writeJson(dir, 'disconnected.json', {
      ...valid,
      edges: [],
    });
    const { code, err } = await cli('validate', broken);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([
      'error: node "save" port "image": required IMAGE input "image" is not connected',
      'error: node "preview" port "image": required IMAGE input "image" is not connected',
    ]);
  });

  it('unknown commands and flags exit 2', async () => {
    expect((await cli('explode')).code).toBe(2);
    expect((await cli('run', CANNY, '--frobnicate')).code).toBe(2);
    expect((await cli('run', CANNY, '--backend', 'tpu')).code).toBe(2);
  });
});

describe('kosmograph nodes', () => {
  it('prints the registry as JSON data', async () => {
    const { code, out } = await cli('nodes', '--json');
    expect(code).toBe(0);
    const { nodes } = JSON.parse(out) as { nodes: { type: string; params: unknown[]; execute?: unknown }[] };
    expect(nodes.map((n) => n.type)).toEqual(
      expect.arrayContaining(['image.load', 'image.canny', 'image.save', 'image.preview']),
    );
    expect(nodes.every((n) => n.execute === undefined)).toBe(true);
  });
});

describe('the installed command', () => {
  it('npx kosmograph runs from the repository', async () => {
    const out = tempDir();
    const { stdout } = await promisify(execFile)('npx', ['kosmograph', 'run', CANNY, '--out', out], {
      cwd: process.cwd(),
    });
    expect(stdout.trim()).toBe(join(out, 'canny.png'));
  });
});
