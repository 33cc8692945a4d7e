import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { GraphDocument } from '../../src/core/document';
import { captureIo } from '../cli/capture-io';
import { plainPng, withTextChunks } from './png-helpers';

const FIXTURES = 'test/fixtures/comfy';
const tempDir = () => mkdtempSync(join(tmpdir(), 'kosmograph-import-'));

async function cli(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('kosmograph import-comfy', () => {
  it('prints the graph on stdout and the report on stderr', async () => {
    const { code, out, err } = await cli('import-comfy', `${FIXTURES}/api-lora-controlnet.json`);
    expect(code).toBe(0);
    const graph = JSON.parse(out) as GraphDocument;
    expect(graph.format).toBe('kosmograph.graph');
    expect(graph.meta?.name).toBe('api-lora-controlnet');
    expect(err.split('\n')[0]).toBe('converted 12 ComfyUI nodes (api format) into 12 kosmograph nodes');
    expect(err).toMatch(/^warning: ComfyUI node 10 \(LoraLoader\): strength_clip 1 is dropped/m);
  });

  it('writes --out, and the written graph validates and runs', async () => {
    const dir = tempDir();
    const path = join(dir, 'graph.json');
    const imported = await cli('import-comfy', `${FIXTURES}/api-text-to-image.json`, '--out', path);
    expect(imported.code).toBe(0);
    expect(imported.out).toBe(`${path}\n`);
    expect(readdirSync(dir)).toEqual(['graph.json']);
    expect((await cli('validate', path)).code).toBe(0);
    const out = tempDir();
    const run = await cli('run', path, '--out', out, '--backend', 'cpu');
    expect(run.code, run.err).toBe(0);
    expect(readdirSync(out)).toEqual(['text-to-image.png']);
  });

  it('reads a ComfyUI PNG', async () => {
    const dir = tempDir();
    const png = join(dir, 'ComfyUI_00001_.png');
    writeFileSync(
      png,
      withTextChunks(plainPng(), [
        { keyword: 'prompt', text: readFileSync(`${FIXTURES}/api-of-ui-lora-controlnet.json`, 'utf8') },
        { keyword: 'workflow', text: readFileSync(`${FIXTURES}/ui-lora-controlnet.json`, 'utf8') },
      ]),
    );
    const { code, out, err } = await cli('import-comfy', png);
    expect(code).toBe(0);
    expect((JSON.parse(out) as GraphDocument).nodes).toHaveLength(13);
    expect(err).toMatch(/^converted 13 ComfyUI nodes \(api format\)/);
  });

  it.each([
    ['api-cycle.json', /api-cycle\.json: the workflow has a cycle through node 3 \(KSampler\)/],
    ['api-missing-link.json', /input "negative" is linked to node 7, which is not in the workflow/],
    ['ui-missing-link.json', /uses link 22, which is not in the workflow/],
    ['../../../public/examples/canny.json', /this is a kosmograph graph, not a ComfyUI workflow/],
    ['nope.json', /nope\.json: file not found/],
  ])('%s exits 2 with a clear message and no graph', async (name, message) => {
    const { code, out, err } = await cli('import-comfy', `${FIXTURES}/${name}`);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('a PNG without ComfyUI chunks exits 2', async () => {
    const png = join(tempDir(), 'plain.png');
    writeFileSync(png, plainPng());
    const { code, err } = await cli('import-comfy', png);
    expect(code).toBe(2);
    expect(err).toMatch(/plain\.png: no ComfyUI workflow in this image/);
  });

  it('takes exactly one file', async () => {
    expect((await cli('import-comfy')).code).toBe(2);
    expect((await cli('import-comfy', 'a.json', 'b.json')).code).toBe(2);
  });
});
