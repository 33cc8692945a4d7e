import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { main } from '../../src/cli/main';
import {
  type InspectComponent,
  inspectModelSource,
  type ModelsInspectReport,
} from '../../src/cli/models-command';
import { chooseNodeBackend } from '../../src/runtime/node/node-backends';
import { createNodeModelServices } from '../../src/runtime/node/node-model-services';
import { captureIo } from './capture-io';

const FIXTURES = 'test/fixtures/sd15';
const tempDir = () => mkdtempSync(join(tmpdir(), 'kosmograph-models-'));

async function cli(...args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

async function inspect(source: string, ...flags: string[]): Promise<ModelsInspectReport> {
  const { code, out, err } = await cli('models', 'inspect', source, '--json', ...flags);
  expect(code, err).toBe(0);
  return JSON.parse(out) as ModelsInspectReport;
}

function component(report: ModelsInspectReport, name: string): InspectComponent {
  const found = report.components.find((c) => c.name === name);
  if (!found) throw new Error(`no ${name} in ${report.components.map((c) => c.name).join(', ')}`);
  return found;
}

const io = (c: InspectComponent, which: 'inputs' | 'outputs') =>
  Object.fromEntries((c[which] ?? []).map((t) => [t.name, `${t.dtype} [${t.shape.join(', ')}]`]));

/** A copy of a fixture layout to damage. */
function copyOf(layout: string): string {
  const dir = join(tempDir(), layout);
  cpSync(join(FIXTURES, layout), dir, { recursive: true });
  return dir;
}

describe('kosmograph models inspect', () => {
  it("reads optimum's layout: files, external data, session interfaces, tokenizer, VAE, scheduler", async () => {
    const report = await inspect(`${FIXTURES}/optimum`);
    expect(report.layout).toBe('optimum-onnx');
    expect(report.layoutLabel).toMatch(/optimum's layout/);
    expect(report.name).toBe('optimum');
    expect(report.source).toBe(resolve(FIXTURES, 'optimum'));
    expect(report.id).toMatch(/^[0-9a-f]{64}$/);
    expect(report.components.map((c) => c.name)).toEqual([
      'text_encoder',
      'unet',
      'vae_encoder',
      'vae_decoder',
      'tokenizer',
    ]);
    const unet = component(report, 'unet');
    expect(unet.files.map((f) => f.file)).toEqual(['unet/model.onnx']);
    expect(unet.externalData).toEqual([
      { file: 'unet/model.onnx_data', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sizeBytes: 858672 },
    ]);
    expect(io(unet, 'inputs')).toEqual({
      sample: 'float32 [batch_size, 4, height, width]',
      timestep: 'int64 [steps]',
      encoder_hidden_states: 'float32 [batch_size, sequence_length, 32]',
    });
    expect(io(component(report, 'text_encoder'), 'inputs')).toEqual({
      input_ids: 'int32 [batch_size, sequence_length]',
    });
    expect(io(component(report, 'vae_encoder'), 'outputs')).toEqual({
      latent_parameters: 'float32 [batch_size, 8, height_latent, width_latent]',
    });
    expect(report.unet).toEqual({
      timestep: { dtype: 'int64', shape: ['steps'], form: 'batch', fractional: false },
      controlnetResiduals: false,
      residualInputs: [],
    });
    expect(component(report, 'tokenizer').files.map((f) => [f.file, f.sizeBytes])).toEqual([
      ['tokenizer/vocab.json', 1059962],
      ['tokenizer/merges.txt', 524619],
    ]);
    expect(report.tokenizer).toEqual({
      format: 'clip-bpe',
      files: ['tokenizer/vocab.json', 'tokenizer/merges.txt'],
      vocabSize: 49408,
      bos: 49406,
      eos: 49407,
      pad: 49407,
      maxLength: 77,
    });
    expect(report.vae).toEqual({ scalingFactor: 0.18215, latentChannels: 4, factor: 8, imageSize: 64 });
    expect(report.scheduler).toEqual({
      file: 'scheduler/scheduler_config.json',
      className: 'PNDMScheduler',
      config: {
        num_train_timesteps: 1000,
        beta_start: 0.00085,
        beta_end: 0.012,
        beta_schedule: 'scaled_linear',
        prediction_type: null,
        timestep_spacing: null,
        steps_offset: 1,
      },
    });
  });

  it("reads diffusers' layout (weights.pb) and its exporter's symbolic dims", async () => {
    const report = await inspect(`${FIXTURES}/diffusers-onnx`);
    expect(report.layout).toBe('diffusers-onnx');
    const unet = component(report, 'unet');
    expect(unet.externalData.map((x) => [x.file, x.sizeBytes])).toEqual([['unet/weights.pb', 858672]]);
    expect(io(unet, 'inputs').timestep).toBe('int64 [batch]');
    expect(io(unet, 'outputs')).toEqual({
      out_sample: 'float32 [Convout_sample_dim_0, 4, Convout_sample_dim_2, Convout_sample_dim_3]',
    });
    expect(io(component(report, 'text_encoder'), 'inputs')).toEqual({ input_ids: 'int32 [batch, sequence]' });
    expect(report.unet?.timestep).toEqual({
      dtype: 'int64',
      shape: ['batch'],
      form: 'batch',
      fractional: false,
    });
    expect(component(report, 'vae_encoder').outputs?.map((t) => t.name)).toEqual(['latent_sample']);
  });

  it('reports the float16 interfaces of an fp16 export as ORT reads them', async () => {
    const report = await inspect(`${FIXTURES}/fp16`);
    expect(report.layout).toBe('optimum-onnx');
    const unet = component(report, 'unet');
    expect(io(unet, 'inputs')).toEqual({
      sample: 'float16 [batch_size, 4, height, width]',
      timestep: 'int64 [steps]',
      encoder_hidden_states: 'float16 [batch_size, sequence_length, 32]',
    });
    expect(io(unet, 'outputs').out_sample).toBe('float16 [batch_size, 4, height, width]');
    expect(unet.externalData.map((x) => x.file)).toEqual(['unet/model.onnx_data']);
    const text = component(report, 'text_encoder');
    expect(io(text, 'inputs').input_ids).toBe('int32 [batch_size, sequence_length]');
    expect(io(text, 'outputs').last_hidden_state).toBe('float16 [batch_size, sequence_length, 32]');
    expect(io(component(report, 'vae_decoder'), 'inputs').latent_sample).toMatch(/^float16 /);
  });

  it('reads the reference pack: Kosmos-G components, ControlNet residual inputs, a float timestep', async () => {
    const report = await inspect('reference');
    expect(report.layout).toBe('kosmograph-pack');
    expect(report.name).toBe('shapes-world');
    expect(report.components.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'vision',
        'mllm',
        'aligner',
        'unet',
        'controlnet.canny',
        'tokenizer',
        'loras.pastel',
      ]),
    );
    expect(report.unet?.timestep).toMatchObject({ dtype: 'float32', fractional: true });
    expect(report.unet?.controlnetResiduals).toBe(true);
    expect(report.unet?.residualInputs).toContain('mid_block_additional_residual');
    expect(report.unet?.residualInputs).toHaveLength(13);
    expect(io(component(report, 'text_encoder'), 'inputs').input_ids).toMatch(/^int64 /);
    expect(report.tokenizer).toMatchObject({
      format: 'hf-tokenizer-json',
      files: ['tokenizer/tokenizer.json'],
    });
    expect(component(report, 'loras.pastel')).toMatchObject({ kind: 'lora' });
    expect(report.scheduler.config.prediction_type).toBe('epsilon');
  });

  it('prints the same as readable text without --json', async () => {
    const { code, out, err } = await cli('models', 'inspect', `${FIXTURES}/optimum`);
    expect(code, err).toBe(0);
    expect(out).toContain(
      "layout: Stable Diffusion ONNX, optimum's layout (model_index.json, model.onnx_data)",
    );
    expect(out).toContain('  name: optimum\n');
    expect(out).toMatch(/^ {4}external data: unet\/model\.onnx_data \(838\.5 KiB\)$/m);
    expect(out).toMatch(/^ {4}in {2}timestep: int64 \[steps\]$/m);
    expect(out).toMatch(
      /^ {2}timestep: int64, one per batch row \[steps\] \(fractional timesteps are rounded\)$/m,
    );
    expect(out).toMatch(/^ {2}ControlNet residual inputs: none/m);
    expect(out).toMatch(
      /^tokenizer: CLIP BPE .*vocabulary 49408, bos 49406, eos 49407, pad 49407, max length 77$/m,
    );
    expect(out).toMatch(/^vae: scaling factor 0\.18215, 4 latent channels/m);
    expect(out).toMatch(/^ {2}timestep_spacing: not set/m);
  });

  it('runs on the wasm backend too (model and external data passed as bytes)', async () => {
    const report = await inspect(`${FIXTURES}/diffusers-onnx`, '--backend', 'wasm');
    expect(report.backend).toBe('wasm');
    expect(io(component(report, 'unet'), 'inputs').timestep).toBe('int64 [batch]');
  });

  it('releases every session it created', async () => {
    const { backend } = await chooseNodeBackend('cpu');
    const services = createNodeModelServices({ backend, ensureReferencePack });
    const report = await inspectModelSource(
      services,
      `${FIXTURES}/fp16`,
      backend.name,
      new AbortController().signal,
    );
    expect(report.components.filter((c) => c.kind === 'onnx')).toHaveLength(4);
    expect(services.pool.stats).toMatchObject({ loads: 4, sessions: 0, bytes: 0 });
  });
});

describe('kosmograph models inspect: sources it cannot use exit 2 and say what was expected', () => {
  it('an unknown folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'not a model');
    const { code, out, err } = await cli('models', 'inspect', dir);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(
      `error: ${dir}: not a model folder kosmograph knows: expected a kosmograph pack (manifest.json)`,
    );
    expect(err).toContain('model_index.json with unet/model.onnx');
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('a folder that is not there', async () => {
    const dir = join(tempDir(), 'missing');
    const { code, err } = await cli('models', 'inspect', dir, '--json');
    expect(code).toBe(2);
    expect(err).toBe(`error: ${dir}: model folder not found\n`);
  });

  it('model_index.json without a U-Net', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'model_index.json'), '{"_class_name": "StableDiffusionPipeline"}');
    const { code, err } = await cli('models', 'inspect', dir);
    expect(code).toBe(2);
    expect(err).toContain(dir);
    expect(err).toMatch(/model_index\.json is here but unet\/model\.onnx is missing/);
  });

  it('a checkpoint missing one component', async () => {
    const dir = copyOf('optimum');
    rmSync(join(dir, 'vae_decoder'), { recursive: true });
    const { code, err } = await cli('models', 'inspect', dir);
    expect(code).toBe(2);
    expect(err).toContain(
      `error: ${dir}/vae_decoder/model.onnx: missing: a Stable Diffusion checkpoint needs`,
    );
  });

  it('a tokenizer without merges.txt', async () => {
    const dir = copyOf('diffusers-onnx');
    rmSync(join(dir, 'tokenizer', 'merges.txt'));
    const { code, out, err } = await cli('models', 'inspect', dir, '--json');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(
      `error: ${dir}/tokenizer/merges.txt: missing: a BPE tokenizer needs merges.txt beside vocab.json\n`,
    );
  });

  it('a model ONNX Runtime cannot load exits 1 naming the component', async () => {
    const dir = copyOf('optimum');
    writeFileSync(join(dir, 'vae_encoder', 'model.onnx'), 'not an onnx model');
    const { code, err } = await cli('models', 'inspect', dir);
    expect(code).toBe(1);
    expect(err).toMatch(/^error: cannot load vae_encoder \(vae_encoder\/model\.onnx\) of /);
  });

  it.each([
    [['models'], /models needs a subcommand: inspect/],
    [['models', 'list'], /unknown models subcommand "list"/],
    [['models', 'inspect'], /models inspect takes exactly one model folder or URL/],
    [['models', 'inspect', 'a', 'b'], /models inspect takes exactly one model folder or URL/],
    [['models', 'inspect', 'reference', '--backend', 'gpu'], /--backend must be auto, cpu or wasm/],
  ])('bad arguments %j exit 2', async (args, message) => {
    const { code, err } = await cli(...args);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
