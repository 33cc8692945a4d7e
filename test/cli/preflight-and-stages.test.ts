import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/run-command';
import { captureIo } from './capture-io';

const TEXT_TO_IMAGE = 'public/examples/text-to-image.json';
const tempDir = () => mkdtempSync(join(tmpdir(), 'kosmograph-preflight-'));

async function cli(io: CliIo, ...args: string[]) {
  return main(args, io);
}

/** Like captureIo, but stderr says it is a terminal, so the progress line is drawn. */
function ttyIo() {
  const io = captureIo();
  const stderr = Object.assign(Object.create(io.stderr) as NodeJS.WriteStream, { isTTY: true });
  stderr.write = io.stderr.write.bind(io.stderr);
  return { ...io, stderr };
}

describe('kosmograph run: pre-flight against the models', () => {
  it('refuses Empty Latent width 512 on the 128-px reference pack with exit 2, naming node and param, writing nothing', async () => {
    const out = tempDir();
    const io = captureIo();
    const code = await cli(io, 'run', TEXT_TO_IMAGE, '--out', out, '--set', 'latent.width=512');
    expect(code).toBe(2);
    expect(io.err().trim().split('\n')).toEqual([
      'error: node "latent" param "width": width 512 makes a latent 64 wide; the U-Net of shapes-world (unet/model.onnx) takes only 16: set width to 128',
    ]);
    expect(readdirSync(out)).toEqual([]);
  });

  it('with --json: the job starts, fails with the issues, and no node ran', async () => {
    const io = captureIo();
    const code = await cli(
      io,
      'run',
      TEXT_TO_IMAGE,
      '--out',
      tempDir(),
      '--json',
      '--set',
      'latent.height=256',
    );
    expect(code).toBe(2);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; status?: string; error?: { issues?: unknown[] } });
    expect(lines.map((l) => l.type)).toEqual(['job:start', 'job:failed', 'result']);
    expect(lines.at(-1)?.error?.issues).toEqual([
      expect.objectContaining({ nodeId: 'latent', param: 'height', code: 'node_rule' }),
    ]);
  });
});

describe('a ComfyUI prompt at 512x512 on the reference pack', () => {
  it('imports with a warning naming the size, then run refuses it naming the node and both params', async () => {
    const dir = tempDir();
    const prompt = JSON.parse(readFileSync('test/fixtures/comfy/api-text-to-image.json', 'utf8')) as Record<
      string,
      { class_type: string; inputs: Record<string, unknown> }
    >;
    prompt['5']!.inputs = { ...prompt['5']!.inputs, width: 512, height: 512 };
    const source = join(dir, 'comfy-512.json');
    writeFileSync(source, JSON.stringify(prompt));
    const graph = join(dir, 'graph.json');
    const imported = captureIo();
    expect(await cli(imported, 'import-comfy', source, '--out', graph)).toBe(0);
    expect(imported.err()).toContain(
      'warning: ComfyUI node 5 (EmptyLatentImage): 512x512 latents: pack "reference" draws 128x128 images',
    );
    const ran = captureIo();
    expect(await cli(ran, 'run', graph, '--out', join(dir, 'out'))).toBe(2);
    expect(ran.err().trim().split('\n')).toEqual([
      'error: node "latent_5" param "width": width 512 makes a latent 64 wide; the U-Net of shapes-world (unet/model.onnx) takes only 16: set width to 128',
      'error: node "latent_5" param "height": height 512 makes a latent 64 high; the U-Net of shapes-world (unet/model.onnx) takes only 16: set height to 128',
    ]);
  });
});

describe('kosmograph run: stages', () => {
  it('--json passes each node:stage event (loading, compiling, running step k/n with etaMs)', async () => {
    const io = captureIo();
    const code = await cli(
      io,
      'run',
      TEXT_TO_IMAGE,
      '--out',
      tempDir(),
      '--json',
      '--set',
      'sampler.steps=3',
    );
    expect(code).toBe(0);
    const stages = io
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.type === 'node:stage' && e.nodeId === 'sampler');
    expect(stages.map((e) => (e.step !== undefined ? `${e.stage} ${e.step}/${e.total}` : e.stage))).toEqual([
      'loading',
      'compiling',
      'running',
      'running 0/3',
      'running 1/3',
      'running 2/3',
      'running 3/3',
    ]);
    expect(stages[0]).toMatchObject({ model: 'unet (unet/model.onnx) of shapes-world', bytes: 0 });
    expect(stages[4]?.etaMs).toEqual(expect.any(Number));
  });

  it('on a terminal, the progress line reads the stage of the running node', async () => {
    const io = ttyIo();
    const code = await cli(io, 'run', TEXT_TO_IMAGE, '--out', tempDir(), '--set', 'sampler.steps=3');
    expect(code).toBe(0);
    const frames = io.err().split('\r\x1b[2K');
    const sampler = frames.filter((f) => f.includes(' nodes sampler '));
    expect(sampler.some((f) => /nodes sampler loading model \(\d+\.\d MB of \d+\.\d MB\)$/.test(f))).toBe(
      true,
    );
    // pack, prompt and latent are done when the sampler starts.
    expect(sampler).toContain('3/6 nodes sampler compiling model');
    expect(
      sampler.some((f) => /\[#{8}\.{16}\] 3\/6 nodes sampler running step 1\/3, about \d+ s left$/.test(f)),
    ).toBe(true);
    expect(sampler.at(-1)).toBe('[########################] 3/6 nodes sampler running step 3/3');
  });
});
