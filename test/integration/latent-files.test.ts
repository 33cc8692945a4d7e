import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLatentFile, LATENT_TENSOR } from '../../nodes/latent-file/latent-codec';
import type { GraphDocument } from '../../src/core/document';
import { PNG_GRAPH_KEYWORD } from '../../src/core/graph-png';
import { loadGraphDocument } from '../../src/core/load-document';
import { readSafetensors } from '../../src/runtime/safetensors/read';
import { classifyImage } from '../pack/world-classifier';
import { exampleRunner, registry, savedFile, savedImage } from './run-example';

const runner = exampleRunner('cpu');

type Edge = [from: string, fromPort: string, to: string, toPort: string];

function graphOf(
  name: string,
  nodes: { id: string; type: string; params?: Record<string, unknown> }[],
  edges: Edge[],
): GraphDocument {
  const json = {
    format: 'kosmograph.graph',
    version: 1,
    nodes: nodes.map((n) => ({ typeVersion: 1, params: {}, ...n })),
    edges: edges.map(([node, port, toNode, toPort]) => ({
      from: { node, port },
      to: { node: toNode, port: toPort },
    })),
  };
  return loadGraphDocument(json, registry.lookup, name).graph;
}

const pack = { id: 'pack', type: 'models.pack', params: { pack: 'reference' } };

/** Empty Latent -> Sampler -> Save Latent, and the same latent decoded and saved as a PNG. */
const generate = graphOf(
  'generate',
  [
    pack,
    { id: 'prompt', type: 'conditioning.clip_text_encode', params: { text: 'a red circle', negative: '' } },
    { id: 'empty', type: 'latent.empty', params: { width: 128, height: 128, batch_size: 1 } },
    { id: 'sampler', type: 'sampling.sampler', params: { seed: 11, steps: 10 } },
    { id: 'save_latent', type: 'latent.save', params: { filename_prefix: 'red-circle' } },
    { id: 'decode', type: 'latent.vae_decode' },
    { id: 'save', type: 'image.save', params: { filename_prefix: 'direct' } },
  ],
  [
    ['pack', 'clip', 'prompt', 'clip'],
    ['pack', 'vae', 'empty', 'vae'],
    ['pack', 'unet', 'sampler', 'unet'],
    ['prompt', 'positive', 'sampler', 'positive'],
    ['prompt', 'negative', 'sampler', 'negative'],
    ['empty', 'latent', 'sampler', 'latent'],
    ['sampler', 'latent', 'save_latent', 'latent'],
    ['pack', 'vae', 'decode', 'vae'],
    ['sampler', 'latent', 'decode', 'latent'],
    ['decode', 'image', 'save', 'image'],
  ],
);

/** Load Latent -> VAE Decode -> Save Image, and the loaded latent saved again. */
const reload = (latentPath: string) =>
  graphOf(
    'reload',
    [
      pack,
      { id: 'load', type: 'latent.load', params: { latent: latentPath } },
      { id: 'decode', type: 'latent.vae_decode' },
      { id: 'save', type: 'image.save', params: { filename_prefix: 'reloaded' } },
      { id: 'resave', type: 'latent.save', params: { filename_prefix: 'again' } },
    ],
    [
      ['pack', 'vae', 'decode', 'vae'],
      ['load', 'latent', 'decode', 'latent'],
      ['decode', 'image', 'save', 'image'],
      ['load', 'latent', 'resave', 'latent'],
    ],
  );

/** The raw F32 bytes of `latent_tensor`, as stored. */
function tensorBits(bytes: Uint8Array): Uint32Array {
  const { samples } = decodeLatentFile(bytes, 'x.latent');
  return new Uint32Array(samples.data.buffer, samples.data.byteOffset, samples.data.length);
}

describe('.latent files on the reference pack', () => {
  it('a sampled latent saved, loaded and decoded gives the same latent bit for bit and the same image', async () => {
    const { run } = await runner;
    const first = await run(generate);
    expect(first.status, first.error?.message).toBe('done');
    const file = savedFile(first, 'save_latent');
    expect(file.fileName).toBe('red-circle.latent');
    const stored = readSafetensors(file.bytes);
    expect(stored.entries.get(LATENT_TENSOR)).toMatchObject({ dtype: 'F32', shape: [1, 4, 16, 16] });
    // Scaled latents: the unmarked layout, which ComfyUI reads into its own space.
    expect(stored.entries.has('latent_format_version_0')).toBe(false);
    expect(JSON.parse(stored.metadata[PNG_GRAPH_KEYWORD] ?? '{}').seeds).toEqual({ 'sampler.seed': 11 });
    const direct = savedImage(first, 'save').image;
    expect(classifyImage(direct).entities.map((e) => `${e.color} ${e.shape}`)).toEqual(['red circle']);

    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-latent-'));
    const path = join(dir, file.fileName);
    writeFileSync(path, file.bytes);
    const second = await run(reload(path));
    expect(second.status, second.error?.message).toBe('done');
    // The loaded latent, saved again, holds exactly the values that were saved.
    const again = savedFile(second, 'resave');
    expect(again.fileName).toBe('again.latent');
    const bits = tensorBits(again.bytes);
    expect(bits.length).toBe(4 * 16 * 16);
    expect(Buffer.from(bits.buffer).equals(Buffer.from(tensorBits(file.bytes).buffer))).toBe(true);
    // And it decodes to the very image the sampler's latent decoded to.
    const reloaded = savedImage(second, 'save').image;
    expect(Buffer.from(reloaded.data).equals(Buffer.from(direct.data))).toBe(true);
  });

  it('a missing or foreign file fails at Load Latent, naming the param and the file', async () => {
    const { run } = await runner;
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-latent-'));
    const missing = await run(reload(join(dir, 'nope.latent')));
    expect(missing.status).toBe('failed');
    expect(missing.error?.nodeId).toBe('load');
    expect(missing.error?.message).toMatch(/^param "latent": file not found: .*nope\.latent/);
    const foreign = join(dir, 'picture.latent');
    writeFileSync(foreign, 'not a latent');
    const bad = await run(reload(foreign));
    expect(bad.error?.nodeId).toBe('load');
    expect(bad.error?.message).toMatch(/^param "latent": .*picture\.latent: not a readable safetensors/);
  });
});
