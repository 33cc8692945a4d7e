/** The text-to-image graph and headless services the real-size test and bench (bench/real-size.ts) run. */
import { resolve } from 'node:path';
import { createNodeRegistry } from '../../nodes/index';
import type { GraphDocument } from '../../src/core/document';
import { loadGraphDocument } from '../../src/core/load-document';
import type { FileHashCache } from '../../src/runtime/node/file-hash-cache';
import { chooseNodeBackend } from '../../src/runtime/node/node-backends';
import { createNodeModelServices } from '../../src/runtime/node/node-model-services';
import { readNodeSource } from '../../src/runtime/node/node-sources';
import type { RuntimeServices } from '../../src/runtime/services';
import { wires } from '../sd15/sd15-graphs';

export const registry = createNodeRegistry();
/** The tiny real SD1.5 export (optimum layout) the large folder is copied from. */
export const OPTIMUM_FIXTURE = resolve('test/fixtures/sd15/optimum');
/** The fixture's image size (U-Net sample_size 8 x VAE factor 8). */
export const IMAGE_SIZE = 64;

/**
 * Load Checkpoint -> CLIP Text Encode -> Empty Latent -> Sampler -> VAE Decode -> Save Image on
 * `checkpoint`, with the sampled latent also saved (`latent`) so a test can recompute the decode.
 */
export function textToImageGraph(checkpoint: string, steps = 6): GraphDocument {
  const doc = {
    format: 'kosmograph.graph',
    version: 1,
    meta: { name: 'real-size text-to-image' },
    nodes: [
      { id: 'ckpt', type: 'models.checkpoint', typeVersion: 1, params: { checkpoint } },
      {
        id: 'prompt',
        type: 'conditioning.clip_text_encode',
        typeVersion: 1,
        params: { text: 'a red circle on a white background', negative: 'blurry' },
      },
      {
        id: 'empty',
        type: 'latent.empty',
        typeVersion: 1,
        params: { width: IMAGE_SIZE, height: IMAGE_SIZE, batch_size: 1 },
      },
      {
        id: 'sampler',
        type: 'sampling.sampler',
        typeVersion: 1,
        params: { seed: 7, steps, cfg: 7.5, sampler: 'euler', scheduler: 'karras', denoise: 1 },
      },
      { id: 'latent', type: 'latent.save', typeVersion: 1, params: { filename_prefix: 'latent' } },
      { id: 'decode', type: 'latent.vae_decode', typeVersion: 1, params: {} },
      { id: 'save', type: 'image.save', typeVersion: 1, params: { filename_prefix: 'image' } },
    ],
    edges: wires([
      ['ckpt', 'clip', 'prompt', 'clip'],
      ['ckpt', 'vae', 'empty', 'vae'],
      ['ckpt', 'unet', 'sampler', 'unet'],
      ['prompt', 'positive', 'sampler', 'positive'],
      ['prompt', 'negative', 'sampler', 'negative'],
      ['empty', 'latent', 'sampler', 'latent'],
      ['sampler', 'latent', 'latent', 'latent'],
      ['ckpt', 'vae', 'decode', 'vae'],
      ['sampler', 'latent', 'decode', 'latent'],
      ['decode', 'image', 'save', 'image'],
    ]),
  };
  return loadGraphDocument(doc, registry.lookup, 'real-size.json').graph;
}

/** Headless services on onnxruntime-node's CPU backend with the given hash cache. */
export async function cpuServices(hashes: FileHashCache, baseDir = process.cwd()): Promise<RuntimeServices> {
  const { backend } = await chooseNodeBackend('cpu');
  return {
    readSource: (source, signal) => readNodeSource(source, baseDir, signal),
    models: createNodeModelServices({ backend, baseDir, hashes }),
  };
}
