import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../src/core/document';
import type { EngineEvent } from '../../src/engine/events';
import { encodePng } from '../../src/runtime/image/codec';
import { REFERENCE_PACK_DIR } from '../../src/runtime/node/node-model-services';
import { classifyImage } from '../pack/world-classifier';
import { exampleRunner, loadExample, savedImage, withParams } from './run-example';

const runner = exampleRunner('cpu');

async function runWithEvents(graph: GraphDocument) {
  const { executor } = await runner;
  const events: EngineEvent[] = [];
  const result = await executor.run(graph, { onEvent: (e) => events.push(e) });
  const started = events
    .filter((e) => e.type === 'node:start')
    .map((e) => (e.type === 'node:start' ? e.nodeId : ''));
  return { result, started };
}

/** A copy of the reference pack with one file replaced (manifest sha256 updated so it loads). */
function packWithFile(file: string, bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'kosmograph-pack-'));
  cpSync(REFERENCE_PACK_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), bytes);
  const manifestPath = join(dir, 'manifest.json');
  const manifest = readFileSync(manifestPath, 'utf8');
  const oldHash = createHash('sha256')
    .update(readFileSync(join(REFERENCE_PACK_DIR, file)))
    .digest('hex');
  const newHash = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(manifestPath, manifest.replaceAll(oldHash, newHash));
  return dir;
}

describe('pipeline errors name the node and stop before inference', () => {
  it('a prompt whose <i> count differs from its images', async () => {
    const graph = withParams(loadExample('subject-driven'), {
      'prompt.text': '<i> and <i> on a black background',
    });
    const { result, started } = await runWithEvents(graph);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('prompt');
    expect(result.error?.message).toMatch(/2 <i> marker\(s\) but 1 image\(s\) are connected/);
    expect(started).not.toContain('sampler');
  });

  it('an image that does not decode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-img-'));
    writeFileSync(join(dir, 'broken.png'), 'not an image');
    const graph = withParams(loadExample('subject-driven'), { 'image1.image': join(dir, 'broken.png') });
    const { result, started } = await runWithEvents(graph);
    expect(result.error?.nodeId).toBe('image1');
    expect(result.error?.message).toMatch(/cannot decode image ".*broken\.png"/);
    expect(started).not.toContain('encode');
  });

  it('a LoRA with no matching keys', async () => {
    // A kohya-style safetensors whose single module targets nothing in the U-Net.
    const header = JSON.stringify({
      'lora_unet_nothing_here.lora_down.weight': { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
      'lora_unet_nothing_here.lora_up.weight': { dtype: 'F32', shape: [2, 1], data_offsets: [8, 16] },
    });
    const headerBytes = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + headerBytes.length + 16);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
    bytes.set(headerBytes, 8);
    const pack = packWithFile('loras/pastel.safetensors', bytes);
    const graph = withParams(loadExample('lora'), { 'pack.pack': pack });
    const { result } = await runWithEvents(graph);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('sampler');
    expect(result.error?.message).toMatch(/LoRA "pastel".*matched no weights/);
  });

  it('a model whose inputs do not match what the node needs', async () => {
    // The VAE decoder replaced by the text encoder: the decode node names the model and its inputs.
    const textEncoder = new Uint8Array(readFileSync(join(REFERENCE_PACK_DIR, 'text_encoder/model.onnx')));
    const pack = packWithFile('vae_decoder/model.onnx', textEncoder);
    const graph = withParams(loadExample('text-to-image'), { 'pack.pack': pack });
    const { result } = await runWithEvents(graph);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('decode');
    expect(result.error?.message).toMatch(/vae_decoder/);
  });

  it('a control image of another size is resized to the ControlNet input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-ctl-'));
    const original = loadExample('controlnet-canny');
    const { image } = savedImage(await (await runner).run(original), 'save');
    // Upscale the example's control image 2x (nearest) to 256x256.
    const { decodeImage } = await import('../../src/runtime/image/codec');
    const small = decodeImage(
      new Uint8Array(readFileSync('public/examples/images/circle-and-square.png')),
      'x',
    );
    const big = new Uint8Array(256 * 256 * 3);
    for (let y = 0; y < 256; y++)
      for (let x = 0; x < 256; x++)
        for (let c = 0; c < 3; c++)
          big[(y * 256 + x) * 3 + c] = small.data[((y >> 1) * 128 + (x >> 1)) * 3 + c]!;
    writeFileSync(join(dir, 'big.png'), encodePng({ width: 256, height: 256, data: big }));
    const result = await (await runner).run(
      withParams(original, { 'control_image.image': join(dir, 'big.png') }),
    );
    expect(result.status, result.error?.message).toBe('done');
    const c = classifyImage(savedImage(result).image);
    expect(c.entities.map((e) => e.shape).sort()).toEqual(['circle', 'square']);
    expect(classifyImage(image).entities.length).toBe(2);
  });
});

describe('LoRA strength', () => {
  it('strength 0 reproduces the base image exactly', async () => {
    const { run } = await runner;
    const withLora = await run(withParams(loadExample('lora'), { 'lora.strength': '0' }));
    const base = loadExample('lora');
    base.edges = base.edges.map((e) =>
      e.to.node === 'sampler' && e.to.port === 'unet' ? { ...e, from: { node: 'pack', port: 'unet' } } : e,
    );
    const without = await run(base);
    expect(
      Buffer.from(savedImage(withLora).image.data).equals(Buffer.from(savedImage(without).image.data)),
    ).toBe(true);
    expect(classifyImage(savedImage(without).image).entities[0]?.pastel).toBeLessThan(0.05);
  });

  it('strength 0.5 moves colours a quarter of the way to white', async () => {
    const result = await (await runner).run(withParams(loadExample('lora'), { 'lora.strength': '0.5' }));
    const pastel = classifyImage(savedImage(result).image).entities[0]?.pastel ?? 0;
    expect(pastel).toBeGreaterThan(0.2);
    expect(pastel).toBeLessThan(0.3);
  });
});
