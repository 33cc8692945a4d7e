import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleRunner } from '../integration/run-example';
import { SD15_DIR, text2imageGraph } from './sd15-graphs';

/** A copy of the optimum fixture with one thing broken, run through a real graph. */
describe('bad checkpoint folders fail at load time, naming the file and what was expected', () => {
  let runner: Awaited<ReturnType<typeof exampleRunner>>;
  const root = mkdtempSync(join(tmpdir(), 'kosmograph-bad-ckpt-'));
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const broken = (name: string, breakIt: (dir: string) => void): string => {
    const dir = join(root, name);
    cpSync(join(SD15_DIR, 'optimum'), dir, { recursive: true });
    breakIt(dir);
    return dir;
  };

  async function failure(dir: string): Promise<{ nodeId: string | undefined; message: string }> {
    const graph = text2imageGraph('optimum', 'ddim');
    const node = graph.nodes.find((n) => n.id === 'ckpt')!;
    const patched = {
      ...graph,
      nodes: graph.nodes.map((n) => (n === node ? { ...n, params: { ...n.params, checkpoint: dir } } : n)),
    };
    const result = await runner.run(patched);
    expect(result.status).toBe('failed');
    return { nodeId: result.error?.nodeId, message: result.error?.message ?? '' };
  }

  it('a folder that is no known layout', async () => {
    const dir = join(root, 'empty');
    cpSync(join(SD15_DIR, 'optimum', 'tokenizer'), dir, { recursive: true });
    const { nodeId, message } = await failure(dir);
    expect(nodeId).toBe('ckpt');
    expect(message).toContain(dir);
    expect(message).toMatch(/model_index\.json/);
    expect(message).toMatch(/manifest\.json/);
  });

  it('a missing component', async () => {
    const dir = broken('no-vae', (d) => unlinkSync(join(d, 'vae_decoder', 'model.onnx')));
    const { nodeId, message } = await failure(dir);
    expect(nodeId).toBe('ckpt');
    expect(message).toContain('vae_decoder/model.onnx');
  });

  it('a tokenizer without merges', async () => {
    const dir = broken('no-merges', (d) => unlinkSync(join(d, 'tokenizer', 'merges.txt')));
    const { message } = await failure(dir);
    expect(message).toContain('tokenizer/merges.txt');
    expect(message).toMatch(/merges/);
  });

  it('a scheduler config with an unknown class', async () => {
    const dir = broken('bad-scheduler', (d) =>
      writeFileSync(
        join(d, 'scheduler', 'scheduler_config.json'),
        JSON.stringify({ _class_name: 'MagicScheduler', num_train_timesteps: 1000 }),
      ),
    );
    const { message } = await failure(dir);
    expect(message).toContain('scheduler/scheduler_config.json');
    expect(message).toContain('MagicScheduler');
  });

  it('a scheduler config that changes the numbers in a way not supported', async () => {
    const dir = broken('thresholding', (d) =>
      writeFileSync(
        join(d, 'scheduler', 'scheduler_config.json'),
        JSON.stringify({ _class_name: 'DDIMScheduler', thresholding: true }),
      ),
    );
    const { message } = await failure(dir);
    expect(message).toContain('scheduler_config.json');
    expect(message).toContain('thresholding');
  });

  it('a checkpoint that is not SD1.x (SDXL, SD2): refused at load, naming the file and why', async () => {
    const xl = broken('sdxl', (dir) => {
      cpSync(join(dir, 'text_encoder'), join(dir, 'text_encoder_2'), { recursive: true });
    });
    const a = await failure(xl);
    expect(a.nodeId).toBe('ckpt');
    expect(a.message).toMatch(/text_encoder_2\/model\.onnx.*second text encoder.*SDXL/);
    const sd2 = broken('sd2', (dir) => {
      const file = join(dir, 'unet', 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...config, use_linear_projection: true }));
    });
    const b = await failure(sd2);
    expect(b.nodeId).toBe('ckpt');
    expect(b.message).toMatch(/unet\/config\.json.*use_linear_projection true is SD2/);
  });

  it('a model whose inputs are not what the node needs, before any step runs', async () => {
    const dir = broken('swapped', (d) => {
      // The VAE decoder where the U-Net should be: no timestep, no encoder_hidden_states.
      rmSync(join(d, 'unet'), { recursive: true });
      cpSync(join(d, 'vae_decoder'), join(d, 'unet'), { recursive: true });
    });
    const graph = text2imageGraph('optimum', 'ddim');
    const patched = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === 'ckpt' ? { ...n, params: { checkpoint: dir } } : n)),
    };
    const steps: number[] = [];
    const result = await runner.executor.run(patched, {
      onEvent: (e) => {
        if (e.type === 'node:progress' && e.nodeId === 'sampler') steps.push(e.step);
      },
    });
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('sampler');
    expect(result.error?.message).toContain('unet/model.onnx');
    expect(result.error?.message).toMatch(/sample|timestep|encoder_hidden_states/);
    expect(steps).toEqual([]);
  });
});
