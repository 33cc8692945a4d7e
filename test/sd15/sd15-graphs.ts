/** Graphs and golden readers for the SD1.5 parity tests on test/fixtures/sd15 (made by python/). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { GraphDocument } from '../../src/core/document';
import { loadGraphDocument } from '../../src/core/load-document';
import { decodeImage } from '../../src/runtime/image/codec';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { parsePythonJson } from '../../src/runtime/models/checkpoint/python-json';
import { registry } from '../integration/run-example';

export const SD15_DIR = resolve('test/fixtures/sd15');
export const GOLDEN_DIR = join(SD15_DIR, 'golden');
export const LAYOUTS = ['optimum', 'diffusers-onnx', 'fp16'] as const;
export type Layout = (typeof LAYOUTS)[number];

export const GOLDEN_SCHEDULERS = ['ddim', 'pndm', 'euler', 'dpmpp_2m', 'dpmpp_2m_karras'] as const;
export type GoldenScheduler = (typeof GOLDEN_SCHEDULERS)[number];

const pipelineSchema = z.looseObject({
  prompt: z.string(),
  negative_prompt: z.string(),
  steps: z.number().int(),
  guidance_scale: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  embeddings: z.unknown(),
});
export const pipeline = pipelineSchema.parse(
  parsePythonJson(readFileSync(join(GOLDEN_DIR, 'pipeline.json'), 'utf8')),
);

/** A golden safetensors tensor as float32. */
export function goldenTensor(file: string, name: string): Float32Array {
  const st = readLoraSafetensors(new Uint8Array(readFileSync(join(GOLDEN_DIR, file))), file);
  const tensor = st.tensors.get(name);
  if (!tensor) throw new Error(`${file} has no ${name}`);
  return Float32Array.from(tensor.data);
}

export function goldenImage(file: string) {
  return decodeImage(new Uint8Array(readFileSync(join(GOLDEN_DIR, file))), file);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** Edges from `[fromNode, fromPort, toNode, toPort]` rows, the way the test graphs list them. */
export function wires(rows: readonly (readonly [string, string, string, string])[]) {
  return rows.map(([a, ap, b, bp]) => ({ from: { node: a, port: ap }, to: { node: b, port: bp } }));
}

/** Sampler and scheduler params for a golden diffusers scheduler key. */
export function samplerParams(key: GoldenScheduler): { sampler: string; scheduler: string } {
  if (key === 'dpmpp_2m_karras') return { sampler: 'dpmpp_2m', scheduler: 'diffusers_karras' };
  return { sampler: key, scheduler: 'diffusers' };
}

/**
 * Text-to-image on a checkpoint folder exactly as the golden pipeline call: the prompt and the
 * negative prompt through CLIP, the golden initial noise, 10 steps at cfg 7.5, decode, save.
 */
export function text2imageGraph(layout: Layout, key: GoldenScheduler): GraphDocument {
  const { sampler, scheduler } = samplerParams(key);
  const doc = {
    format: 'kosmograph.graph',
    version: 1,
    meta: { name: `sd15 ${layout} ${key}` },
    nodes: [
      {
        id: 'ckpt',
        type: 'models.checkpoint',
        typeVersion: 1,
        params: { checkpoint: join(SD15_DIR, layout) },
      },
      {
        id: 'prompt',
        type: 'conditioning.clip_text_encode',
        typeVersion: 1,
        params: { text: pipeline.prompt, negative: pipeline.negative_prompt },
      },
      {
        id: 'latent',
        type: 'latent.empty',
        typeVersion: 1,
        params: { width: pipeline.width, height: pipeline.height, batch_size: 1 },
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
        params: {
          seed: 0,
          steps: pipeline.steps,
          cfg: pipeline.guidance_scale,
          sampler,
          scheduler,
          denoise: 1,
        },
      },
      { id: 'out', type: 'latent.save', typeVersion: 1, params: { filename_prefix: 'latent' } },
      { id: 'decode', type: 'latent.vae_decode', typeVersion: 1, params: {} },
      { id: 'save', type: 'image.save', typeVersion: 1, params: { filename_prefix: 'image' } },
    ],
    edges: wires([
      ['ckpt', 'clip', 'prompt', 'clip'],
      ['ckpt', 'vae', 'latent', 'vae'],
      ['ckpt', 'unet', 'sampler', 'unet'],
      ['prompt', 'positive', 'sampler', 'positive'],
      ['prompt', 'negative', 'sampler', 'negative'],
      ['latent', 'latent', 'sampler', 'latent'],
      ['noise', 'latent', 'sampler', 'noise'],
      ['sampler', 'latent', 'out', 'latent'],
      ['ckpt', 'vae', 'decode', 'vae'],
      ['sampler', 'latent', 'decode', 'latent'],
      ['decode', 'image', 'save', 'image'],
    ]),
  };
  return loadGraphDocument(doc, registry.lookup, 'sd15.json').graph;
}
