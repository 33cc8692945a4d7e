import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import type { GraphDocument } from '../../src/core/document';
import { loadGraphDocument } from '../../src/core/load-document';
import { decodeImage } from '../../src/runtime/image/codec';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { exampleRunner, registry, savedFile, savedImage } from '../integration/run-example';
import { GOLDEN_DIR, maxAbsDiff, meanAbsDiff, pipeline, wires } from '../sd15/sd15-graphs';

const EXTRA = resolve('test/fixtures/sd15-extra');

const CASES = [
  { key: 'cn_scale1', strength: 1, start: 0, end: 1 },
  { key: 'cn_scale05', strength: 0.5, start: 0, end: 1 },
  { key: 'cn_end05', strength: 1, start: 0, end: 0.5 },
] as const;

function controlnetGraph(strength: number, start: number, end: number): GraphDocument {
  const doc = {
    format: 'kosmograph.graph',
    version: 1,
    nodes: [
      {
        id: 'ckpt',
        type: 'models.checkpoint',
        typeVersion: 1,
        params: { checkpoint: join(EXTRA, 'sd15-controlnet-ready') },
      },
      {
        id: 'cn',
        type: 'models.controlnet',
        typeVersion: 1,
        params: { folder: join(EXTRA, 'controlnet-canny') },
      },
      { id: 'control', type: 'image.load', typeVersion: 1, params: { image: join(EXTRA, 'control.png') } },
      {
        id: 'prompt',
        type: 'conditioning.clip_text_encode',
        typeVersion: 1,
        params: { text: pipeline.prompt, negative: pipeline.negative_prompt },
      },
      {
        id: 'apply',
        type: 'conditioning.apply_controlnet',
        typeVersion: 1,
        params: { strength, start, end },
      },
      {
        id: 'latent',
        type: 'latent.empty',
        typeVersion: 1,
        params: { width: 64, height: 64, batch_size: 1 },
      },
      {
        id: 'noise',
        type: 'latent.load',
        typeVersion: 1,
        params: { latent: join(GOLDEN_DIR, 'noise.latent') },
      },
      {
        id: 'sampler',
        type: 'sampling.sampler',
        typeVersion: 1,
        params: { steps: 10, cfg: 7.5, sampler: 'dpmpp_2m', scheduler: 'diffusers' },
      },
      { id: 'out', type: 'latent.save', typeVersion: 1, params: { filename_prefix: 'latent' } },
      { id: 'decode', type: 'latent.vae_decode', typeVersion: 1, params: {} },
      { id: 'save', type: 'image.save', typeVersion: 1, params: { filename_prefix: 'image' } },
    ],
    edges: wires([
      ['ckpt', 'clip', 'prompt', 'clip'],
      ['prompt', 'positive', 'apply', 'positive'],
      ['prompt', 'negative', 'apply', 'negative'],
      ['cn', 'controlnet', 'apply', 'controlnet'],
      ['control', 'image', 'apply', 'image'],
      ['ckpt', 'vae', 'latent', 'vae'],
      ['ckpt', 'unet', 'sampler', 'unet'],
      ['apply', 'positive', 'sampler', 'positive'],
      ['apply', 'negative', 'sampler', 'negative'],
      ['latent', 'latent', 'sampler', 'latent'],
      ['noise', 'latent', 'sampler', 'noise'],
      ['sampler', 'latent', 'out', 'latent'],
      ['ckpt', 'vae', 'decode', 'vae'],
      ['sampler', 'latent', 'decode', 'latent'],
      ['decode', 'image', 'save', 'image'],
    ]),
  };
  return loadGraphDocument(doc, registry.lookup, 'controlnet.json').graph;
}

const golden = (file: string) =>
  Float32Array.from(
    readLoraSafetensors(new Uint8Array(readFileSync(join(EXTRA, 'golden', file))), file).tensors.get(
      'latent_tensor',
    )!.data,
  );

describe("ControlNet on a real SD1.5 export against diffusers' StableDiffusionControlNetPipeline", () => {
  let runner: Awaited<ReturnType<typeof exampleRunner>>;
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });

  it.each(CASES)('$key: scale $strength from $start to $end', async ({ key, strength, start, end }) => {
    const result = await runner.run(controlnetGraph(strength, start, end));
    expect(result.status, result.error?.message).toBe('done');
    const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out').samples.data;
    expect(maxAbsDiff(latent, golden(`${key}.latent`))).toBeLessThanOrEqual(1e-3);
    const image = savedImage(result, 'save').image;
    const want = decodeImage(new Uint8Array(readFileSync(join(EXTRA, 'golden', `${key}.png`))), key);
    expect(meanAbsDiff(image.data, want.data) / 255).toBeLessThanOrEqual(1 / 255);
  });

  it('the ControlNet changes the result (the control is not a no-op)', async () => {
    const plain = golden('cn_scale1.latent');
    const off = golden('cn_end05.latent');
    expect(maxAbsDiff(plain, off)).toBeGreaterThan(1e-2);
  });
});
