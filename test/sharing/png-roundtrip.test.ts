import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { main } from '../../src/cli/main';
import { PNG_GRAPH_KEYWORD, readGraphFromPng, readGraphOrComfyFromPng } from '../../src/core/graph-png';
import { readPngChunks, writePngITXt } from '../../src/core/png-metadata';
import { captureIo } from '../cli/capture-io';
import { plainPng } from './png-helpers';

const { lookup } = createNodeRegistry();
const tempDir = () => mkdtempSync(join(tmpdir(), 'kosmograph-sharing-'));

async function cli(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('a Kosmos-G PNG re-runs byte for byte on the cpu backend', () => {
  const first = tempDir();
  // The input image is the user's (--input), so it travels inside the PNG's graph.
  const image = 'image1=public/examples/images/blue-square.png';
  const made = cli(
    'run',
    'public/examples/subject-driven.json',
    '--out',
    first,
    '--backend',
    'cpu',
    '--input',
    image,
  );

  it('the PNG embeds the graph, the seed used and the model hashes', async () => {
    expect((await made).code).toBe(0);
    const png = new Uint8Array(readFileSync(join(first, 'subject-driven.png')));
    const { graph } = readGraphFromPng(png, lookup, 'subject-driven.png');
    expect(graph.nodes.map((n) => n.type)).toContain('conditioning.mllm_encode');
    const text = readPngChunks(png)
      .filter((c) => c.type === 'iTXt')
      .map((c) => new TextDecoder().decode(c.data));
    const payload = JSON.parse(
      text
        .find((t) => t.startsWith(`${PNG_GRAPH_KEYWORD}\0`))!
        .split('\0')
        .at(-1)!,
    ) as {
      seeds: Record<string, number>;
      models: Record<string, string>;
    };
    expect(payload.seeds).toEqual({ 'sampler.seed': 7 });
    expect(Object.values(payload.models).every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
  });

  it('`kosmograph run image.png` writes the same bytes again', async () => {
    expect((await made).code).toBe(0);
    const second = tempDir();
    const rerun = await cli('run', join(first, 'subject-driven.png'), '--out', second, '--backend', 'cpu');
    expect(rerun.code, rerun.err).toBe(0);
    expect(
      readFileSync(join(second, 'subject-driven.png')).equals(
        readFileSync(join(first, 'subject-driven.png')),
      ),
    ).toBe(true);
  });

  it('`kosmograph validate image.png` checks the embedded graph', async () => {
    expect((await made).code).toBe(0);
    const path = join(first, 'subject-driven.png');
    const { code, out } = await cli('validate', path);
    expect(code).toBe(0);
    expect(out).toMatch(/subject-driven\.png: valid \(\d+ nodes\)/);
  });

  it('the editor reader opens it as a kosmograph graph', async () => {
    expect((await made).code).toBe(0);
    const png = new Uint8Array(readFileSync(join(first, 'subject-driven.png')));
    const opened = readGraphOrComfyFromPng(png, lookup);
    expect(opened.source).toBe('kosmograph');
    expect(opened.graph).toEqual(readGraphFromPng(png, lookup, 'x').graph);
  });
});

describe('PNGs that do not hold a usable graph', () => {
  const dir = tempDir();
  const withGraph = writePngITXt(plainPng(), PNG_GRAPH_KEYWORD, JSON.stringify({ kosmograph: 1, graph: {} }));

  it.each([
    [
      'a PNG from elsewhere',
      plainPng(),
      /^error: .*a-PNG-from-elsewhere\.png: no kosmograph graph in this image$/m,
    ],
    [
      'a truncated PNG',
      withGraph.subarray(0, withGraph.length - 30),
      /^error: .*a-truncated-PNG\.png: damaged PNG \(truncated PNG: .*\)$/m,
    ],
    ['a PNG cut inside its signature', withGraph.subarray(0, 5), /damaged PNG \(truncated PNG/],
    [
      'a chunk holding invalid JSON',
      writePngITXt(plainPng(), PNG_GRAPH_KEYWORD, '{"graph": {"format": "kosmograph.gr'),
      /invalid-JSON\.png: the kosmograph chunk in this image is not valid JSON$/m,
    ],
    [
      'a chunk holding JSON without a graph',
      writePngITXt(plainPng(), PNG_GRAPH_KEYWORD, '{"seeds": {}}'),
      /the kosmograph chunk in this image holds no graph/,
    ],
    ['a file that only claims to be a PNG', new TextEncoder().encode('hello'), /not a PNG file/],
  ])('%s: run and validate exit 2 with one clear line', async (label, bytes, message) => {
    const path = join(dir, `${label.replace(/\W+/g, '-')}.png`);
    writeFileSync(path, bytes);
    const out = tempDir();
    for (const args of [
      ['run', path, '--out', out],
      ['validate', path],
    ]) {
      const { code, err } = await cli(...args);
      expect(code).toBe(2);
      expect(err).toMatch(message);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(out)).toEqual([]);
  });
});
