import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

describe('kosmograph import-comfy --checkpoints DIR', () => {
  /** A models folder: one checkpoint folder (the optimum fixture), a folder without model_index.json, a file. */
  function modelsDir(): string {
    const dir = join(tempDir(), 'models');
    mkdirSync(dir);
    symlinkSync(resolve('test/fixtures/sd15/optimum'), join(dir, 'v1-5-pruned-emaonly'));
    mkdirSync(join(dir, 'loras'));
    writeFileSync(join(dir, 'model_index.json'), '{}');
    return dir;
  }
  const checkpointNode = (graph: GraphDocument) => graph.nodes.find((n) => n.type === 'models.checkpoint');

  it('loads the matching checkpoint folder (absolute on stdout) and says so in the report', async () => {
    const models = modelsDir();
    const { code, out, err } = await cli(
      'import-comfy',
      `${FIXTURES}/api-text-to-image.json`,
      '--checkpoints',
      models,
    );
    expect(code, err).toBe(0);
    const graph = JSON.parse(out) as GraphDocument;
    expect(checkpointNode(graph)).toMatchObject({
      id: 'checkpoint_4',
      params: { checkpoint: join(models, 'v1-5-pruned-emaonly') },
    });
    expect(graph.nodes.some((n) => n.type === 'models.pack')).toBe(false);
    expect(err).toContain(
      `warning: ComfyUI node 4 (CheckpointLoaderSimple): checkpoint "v1-5-pruned-emaonly.safetensors" runs from the ONNX checkpoint folder "${join(models, 'v1-5-pruned-emaonly')}"`,
    );
  });

  it('writes the folder relative to --out, and the graph runs on the checkpoint', async () => {
    const models = modelsDir();
    const graphDir = join(tempDir(), 'graphs');
    const path = join(graphDir, 'graph.json');
    const imported = await cli(
      'import-comfy',
      `${FIXTURES}/api-text-to-image.json`,
      '--out',
      path,
      '--checkpoints',
      models,
    );
    expect(imported.code, imported.err).toBe(0);
    const graph = JSON.parse(readFileSync(path, 'utf8')) as GraphDocument;
    const relativePath = checkpointNode(graph)?.params.checkpoint;
    expect(relativePath).toMatch(/^\.\.\/.*models\/v1-5-pruned-emaonly$/);
    expect(resolve(graphDir, String(relativePath))).toBe(join(models, 'v1-5-pruned-emaonly'));
    const out = tempDir();
    // The models lie outside the graph's folder, and the checkpoint is a link to the fixture: the
    // user allows where it leads when running (docs/security.md).
    const fixture = 'test/fixtures/sd15/optimum';
    const run = await cli('run', path, '--out', out, '--backend', 'cpu', '--allow-dir', fixture);
    expect(run.code, run.err).toBe(0);
    expect(readdirSync(out)).toEqual(['text-to-image.png']);
  });

  it('without a matching folder keeps the reference pack and names the ckpt_name', async () => {
    const models = join(tempDir(), 'models');
    mkdirSync(join(models, 'loras'), { recursive: true });
    const { code, out, err } = await cli(
      'import-comfy',
      `${FIXTURES}/api-text-to-image.json`,
      '--checkpoints',
      models,
    );
    expect(code).toBe(0);
    expect((JSON.parse(out) as GraphDocument).nodes.find((n) => n.id === 'pack_4')?.params).toEqual({
      pack: 'reference',
    });
    expect(err).toContain(`warning: --checkpoints ${models} holds no checkpoint folders`);
    expect(err).toContain(
      'checkpoint "v1-5-pruned-emaonly.safetensors" matches none of the checkpoint folders given (none); it runs as model pack "reference"',
    );
  });

  it('a --checkpoints folder that is not there exits 2', async () => {
    const missing = join(tempDir(), 'nope');
    const { code, out, err } = await cli(
      'import-comfy',
      `${FIXTURES}/api-text-to-image.json`,
      '--checkpoints',
      missing,
    );
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`error: --checkpoints ${missing}: folder not found\n`);
  });
});

describe('kosmograph import-comfy --controlnets DIR --loras DIR', () => {
  const EXTRA = resolve('test/fixtures/sd15-extra');
  const WORKFLOW = `${FIXTURES}/api-lora-chain-controlnet.json`;

  /**
   * Models folders as a ComfyUI user has them: the ControlNet-ready tiny SD1.5, the tiny canny
   * ControlNet (under its ComfyUI file name) and the two LoRA files, each with something to skip.
   */
  function modelsDirs() {
    const root = tempDir();
    const checkpoints = join(root, 'checkpoints');
    const controlnets = join(root, 'controlnet');
    const loras = join(root, 'loras');
    for (const dir of [checkpoints, controlnets, loras]) mkdirSync(dir);
    symlinkSync(join(EXTRA, 'sd15-controlnet-ready'), join(checkpoints, 'sd15-controlnet-ready'));
    symlinkSync(join(EXTRA, 'controlnet-canny'), join(controlnets, 'control_v11p_sd15_canny'));
    mkdirSync(join(controlnets, 'half-exported'));
    writeFileSync(join(controlnets, 'half-exported', 'config.json'), '{}');
    writeFileSync(join(controlnets, 'control_v11f1p_sd15_depth.pth'), '');
    symlinkSync(join(EXTRA, 'lora-kohya.safetensors'), join(loras, 'lora-kohya.safetensors'));
    symlinkSync(join(EXTRA, 'lora-peft.safetensors'), join(loras, 'lora-peft.safetensors'));
    writeFileSync(join(loras, 'README.txt'), 'not a LoRA');
    mkdirSync(join(loras, 'styles.safetensors'));
    return { root, checkpoints, controlnets, loras };
  }
  const byType = (graph: GraphDocument, type: string) => graph.nodes.filter((n) => n.type === type);

  it('loads the ControlNet folder and the LoRA files (relative to --out), and the graph runs at 64x64', async () => {
    const dirs = modelsDirs();
    const graphDir = join(dirs.root, 'graphs');
    const path = join(graphDir, 'graph.json');
    const imported = await cli(
      'import-comfy',
      WORKFLOW,
      '--out',
      path,
      '--checkpoints',
      dirs.checkpoints,
      '--controlnets',
      dirs.controlnets,
      '--loras',
      dirs.loras,
    );
    expect(imported.code, imported.err).toBe(0);
    const graph = JSON.parse(readFileSync(path, 'utf8')) as GraphDocument;
    expect(byType(graph, 'models.checkpoint').map((n) => n.params)).toEqual([
      { checkpoint: '../checkpoints/sd15-controlnet-ready' },
    ]);
    expect(byType(graph, 'models.controlnet').map((n) => n.params)).toEqual([
      { folder: '../controlnet/control_v11p_sd15_canny' },
    ]);
    expect(byType(graph, 'models.lora_file').map((n) => n.params)).toEqual([
      { lora: '../loras/lora-kohya.safetensors', strength_model: 0.8, strength_clip: 0.4 },
      { lora: '../loras/lora-peft.safetensors', strength_model: 0.5, strength_clip: 1.25 },
    ]);
    expect(byType(graph, 'models.pack')).toEqual([]);
    expect(graph.nodes.find((n) => n.id === 'latent_5')?.params).toMatchObject({ width: 64, height: 64 });
    expect(imported.err).toContain(
      'warning: ComfyUI node 13 (ControlNetLoader): ControlNet "control_v11p_sd15_canny.pth" runs from the ControlNet folder "../controlnet/control_v11p_sd15_canny"',
    );
    expect(imported.err).toContain(
      'warning: ComfyUI node 15 (LoraLoader): LoRA "styles/lora-peft.safetensors" runs from the LoRA file "../loras/lora-peft.safetensors"',
    );
    expect((await cli('validate', path)).code).toBe(0);
    const out = tempDir();
    const run = await cli(
      'run',
      path,
      '--out',
      out,
      '--backend',
      'cpu',
      '--input',
      `image_11=${join(EXTRA, 'control.png')}`,
      '--allow-dir',
      EXTRA, // the models are links into the fixtures
    );
    expect(run.code, run.err).toBe(0);
    expect(readdirSync(out)).toEqual(['lora-controlnet.png']);
  });

  it('writes absolute paths on stdout; without a match keeps the pack and names the file names', async () => {
    const dirs = modelsDirs();
    const { code, out, err } = await cli(
      'import-comfy',
      WORKFLOW,
      '--controlnets',
      dirs.controlnets,
      '--loras',
      dirs.loras,
    );
    expect(code, err).toBe(0);
    const graph = JSON.parse(out) as GraphDocument;
    expect(byType(graph, 'models.controlnet').map((n) => n.params)).toEqual([
      { folder: join(dirs.controlnets, 'control_v11p_sd15_canny') },
    ]);
    expect(byType(graph, 'models.lora_file').map((n) => n.params.lora)).toEqual([
      join(dirs.loras, 'lora-kohya.safetensors'),
      join(dirs.loras, 'lora-peft.safetensors'),
    ]);

    const empty = join(tempDir(), 'empty');
    mkdirSync(empty);
    const unmatched = await cli('import-comfy', WORKFLOW, '--controlnets', empty, '--loras', empty);
    expect(unmatched.code, unmatched.err).toBe(0);
    expect(unmatched.err).toContain(
      `warning: --controlnets ${empty} holds no ControlNet folders (sub-folders with model.onnx and config.json)`,
    );
    expect(unmatched.err).toContain(`warning: --loras ${empty} holds no LoRA files (*.safetensors)`);
    expect(unmatched.err).toContain(
      'LoraLoader): LoRA "lora-kohya.safetensors" matches none of the LoRA files given (none); it is looked up in model pack "reference"',
    );
    expect(unmatched.err).toContain(
      'ControlNetLoader): ControlNet "control_v11p_sd15_canny.pth" matches none of the ControlNet folders given (none); it is looked up in model pack "reference"',
    );
    const fallback = JSON.parse(unmatched.out) as GraphDocument;
    expect(byType(fallback, 'models.lora').map((n) => n.params)).toEqual([
      { name: 'lora-kohya' },
      { name: 'lora-peft' },
    ]);
    expect(byType(fallback, 'models.controlnet').map((n) => n.params)).toEqual([{ name: 'canny' }]);
  });

  it.each(['--controlnets', '--loras'])('a %s folder that is not there exits 2', async (flag) => {
    const missing = join(tempDir(), 'nope');
    const { code, out, err } = await cli('import-comfy', WORKFLOW, flag, missing);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`error: ${flag} ${missing}: folder not found\n`);
  });
});
