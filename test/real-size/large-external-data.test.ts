/**
 * Real-size model files without real-size downloads: the optimum fixture with its VAE decoder
 * replaced by one whose external data is a 2.25 GiB sparse file, the weights in its last page.
 * A whole text-to-image graph must decode with those far-away weights (read by onnxruntime-node
 * from the path), hash the file by streaming, and never hold it in memory; a second open with
 * the same hash cache file must not rehash.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import {
  expectedDecode,
  LARGE_DATA_BYTES,
  makeLargeVaeCheckpoint,
} from '../../scripts/onnx/large-vae-decoder';
import { Executor } from '../../src/engine/executor';
import { createFileHashCache } from '../../src/runtime/node/file-hash-cache';
import { chooseNodeBackend } from '../../src/runtime/node/node-backends';
import { createNodeModelServices } from '../../src/runtime/node/node-model-services';
import type { RuntimeServices } from '../../src/runtime/services';
import { savedFile, savedImage } from '../integration/run-example';
import { cpuServices, IMAGE_SIZE, OPTIMUM_FIXTURE, registry, textToImageGraph } from './real-size-graph';

const MiB = 1024 ** 2;
/** Every hashed file of the checkpoint: 4 model.onnx, 2 external data files, vocab.json, merges.txt. */
const MODEL_FILES = 8;

describe('a checkpoint whose VAE decoder has > 2 GiB of external data (sparse file)', () => {
  let tmp = '';
  let checkpoint = '';
  let cacheFile = '';
  let firstId = '';

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'kosmograph-real-size-'));
    checkpoint = join(tmp, 'sd15-large-vae');
    cacheFile = join(tmp, 'cache', 'sha256.json');
    await makeLargeVaeCheckpoint(OPTIMUM_FIXTURE, checkpoint);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('runs text-to-image with weights read past 2 GiB, by path, without the file in memory', async () => {
    const data = statSync(join(checkpoint, 'vae_decoder', 'model.onnx_data'));
    expect(data.size).toBe(LARGE_DATA_BYTES);
    expect(data.size).toBeGreaterThan(2 * 1024 ** 3);
    // Sparse: the hole takes no disk (a file system without holes would still be correct, only big).
    expect(data.blocks * 512).toBeLessThan(16 * MiB);

    const hashes = createFileHashCache(cacheFile);
    const services: RuntimeServices = await cpuServices(hashes);
    const executor = new Executor<RuntimeServices>(registry, services);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const result = await executor.run(textToImageGraph(checkpoint));
    const elapsed = performance.now() - started;
    const rssAfter = process.memoryUsage().rss;
    const peak = process.resourceUsage().maxRSS * 1024;
    expect(result.status, result.error?.message).toBe('done');
    // The 2.25 GiB file was hashed by streaming and opened by path: the process never came near it.
    expect(rssAfter - rssBefore).toBeLessThan(512 * MiB);
    expect(peak - rssBefore).toBeLessThan(512 * MiB);
    expect(hashes.hashed).toBe(MODEL_FILES);

    // The decoded pixels are the stand-in decoder's, computed here from its weights.
    const latent = decodeLatentFile(savedFile(result, 'latent').bytes, 'latent.latent').samples;
    const [, channels, h, w] = latent.dims;
    expect([channels, h, w]).toEqual([4, IMAGE_SIZE / 8, IMAGE_SIZE / 8]);
    const pack = await services.models.openPack(checkpoint, new AbortController().signal);
    firstId = pack.id;
    const scale = pack.models.constants.vaeScalingFactor;
    const unscaled = Float32Array.from(latent.data.subarray(0, 4 * h! * w!), (v) => v / scale);
    const decoded = expectedDecode(unscaled, h!, w!);
    const plane = IMAGE_SIZE * IMAGE_SIZE;
    const expected = new Uint8Array(plane * 3);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < plane; i++)
        expected[i * 3 + c] = Math.min(255, Math.max(0, Math.round((decoded[c * plane + i]! + 1) * 127.5)));
    const image = savedImage(result).image;
    expect([image.width, image.height]).toEqual([IMAGE_SIZE, IMAGE_SIZE]);
    let maxDiff = 0;
    let exact = 0;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(image.data[i]! - expected[i]!);
      maxDiff = Math.max(maxDiff, d);
      if (d === 0) exact += 1;
    }
    console.info(
      `real-size run: ${elapsed.toFixed(0)} ms (hashing ${(LARGE_DATA_BYTES / 1024 ** 3).toFixed(2)} GiB included); ` +
        `rss ${(rssBefore / MiB).toFixed(0)} -> ${(rssAfter / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB; ` +
        `pixels: ${exact}/${expected.length} exact, max diff ${maxDiff}`,
    );
    // float32 rounding in onnxruntime's Conv/Tanh may move a value across a .5 boundary.
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(exact / expected.length).toBeGreaterThan(0.99);
    // Zero weights (the hole, were the offset not honoured) would give bias-only flat colours.
    expect(new Set(Array.from(image.data.filter((_, i) => i % 3 === 0))).size).toBeGreaterThan(10);
  }, 120_000);

  it('opens the folder again from the hash cache file without rehashing anything', async () => {
    expect(firstId).not.toBe('');
    const { backend } = await chooseNodeBackend('cpu');
    const hashes = createFileHashCache(cacheFile);
    const models = createNodeModelServices({ backend, hashes });
    const pack = await models.openPack(checkpoint, new AbortController().signal);
    expect(hashes.hashed).toBe(0);
    expect(pack.id).toBe(firstId);
    expect(pack.fileSize?.('vae_decoder/model.onnx_data')).toBe(LARGE_DATA_BYTES);
    expect(pack.localPath?.('vae_decoder/model.onnx')).toBe(join(checkpoint, 'vae_decoder', 'model.onnx'));
  });
});
