import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { clipTextEncodeNode } from '../../nodes/prompt/clip-text-encode';
import type { ConditioningValue } from '../../nodes/values';
import { loadGraphDocument } from '../../src/core/load-document';
import { exampleRunner, registry, savedFile, savedImage } from '../integration/run-example';
import {
  GOLDEN_DIR,
  goldenImage,
  goldenTensor,
  LAYOUTS,
  type Layout,
  maxAbsDiff,
  meanAbsDiff,
  pipeline,
  SD15_DIR,
  wires,
} from './sd15-graphs';

/** Text embeddings: 1e-4 fp32 (the bound); fp16 models are compared with the fp32 reference more loosely. */
const EMBEDDING_TOLERANCE: Readonly<Record<Layout, number>> = {
  optimum: 1e-4,
  'diffusers-onnx': 1e-4,
  fp16: 2e-2,
};
const SCALING = 0.18215;

interface EmbeddingItem {
  readonly prompt: string;
  readonly tensor: string;
}
const embeddingItems = (pipeline.embeddings as { items: EmbeddingItem[] }).items;

describe('SD1.5 components against diffusers', () => {
  let runner: Awaited<ReturnType<typeof exampleRunner>>;
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });

  it.each(LAYOUTS)('text embeddings of the CLIP text encoder (%s)', async (layout) => {
    const signal = new AbortController().signal;
    const pack = await runner.runtime.services.models.openPack(join(SD15_DIR, layout), signal);
    expect(embeddingItems.length).toBeGreaterThanOrEqual(5);
    for (const item of embeddingItems) {
      const { outputs } = await clipTextEncodeNode.execute({
        nodeId: 'clip',
        inputs: { clip: { kind: 'clip', pack } },
        params: { text: item.prompt, negative: '' },
        signal,
        services: runner.runtime.services,
        graph: { format: 'kosmograph.graph', version: 1, nodes: [], edges: [] },
        progress: async () => undefined,
        warn: () => undefined,
      });
      const embeds = (outputs.positive as ConditioningValue).embeds;
      const want = goldenTensor('embeddings.safetensors', item.tensor);
      expect(embeds.data.length).toBe(want.length);
      expect(maxAbsDiff(embeds.data, want), item.prompt).toBeLessThanOrEqual(EMBEDDING_TOLERANCE[layout]);
    }
  });

  it.each(LAYOUTS)(
    "VAE encode (distribution mean) and decode of diffusers' fixed image and latent (%s)",
    async (layout) => {
      const doc = {
        format: 'kosmograph.graph',
        version: 1,
        nodes: [
          {
            id: 'ckpt',
            type: 'models.checkpoint',
            typeVersion: 1,
            params: { checkpoint: join(SD15_DIR, layout) },
          },
          {
            id: 'image',
            type: 'image.load',
            typeVersion: 1,
            params: { image: join(GOLDEN_DIR, 'vae_input.png') },
          },
          { id: 'encode', type: 'latent.vae_encode', typeVersion: 1, params: {} },
          { id: 'mean', type: 'latent.save', typeVersion: 1, params: { filename_prefix: 'mean' } },
          {
            id: 'noise',
            type: 'latent.load',
            typeVersion: 1,
            params: { latent: join(GOLDEN_DIR, 'noise.latent') },
          },
          { id: 'decode', type: 'latent.vae_decode', typeVersion: 1, params: {} },
          { id: 'save', type: 'image.save', typeVersion: 1, params: { filename_prefix: 'decoded' } },
        ],
        edges: wires([
          ['ckpt', 'vae', 'encode', 'vae'],
          ['image', 'image', 'encode', 'image'],
          ['encode', 'latent', 'mean', 'latent'],
          ['ckpt', 'vae', 'decode', 'vae'],
          ['noise', 'latent', 'decode', 'latent'],
          ['decode', 'image', 'save', 'image'],
        ]),
      };
      const result = await runner.run(loadGraphDocument(doc, registry.lookup, 'vae.json').graph);
      expect(result.status, result.error?.message).toBe('done');
      // Our latents are scaled (what the U-Net sees); the golden is the raw distribution mean.
      const mean = decodeLatentFile(savedFile(result, 'mean').bytes, 'mean').samples.data;
      const want = goldenTensor('vae_encode_mean.latent', 'latent_tensor').map((v) => v * SCALING);
      expect(maxAbsDiff(mean, want)).toBeLessThanOrEqual(layout === 'fp16' ? 2e-2 : 1e-3);
      const decoded = savedImage(result, 'save').image;
      const golden = goldenImage('vae_decode.png');
      expect(meanAbsDiff(decoded.data, golden.data) / 255).toBeLessThanOrEqual(
        layout === 'fp16' ? 2 / 255 : 1 / 255,
      );
    },
  );
});
