import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { main } from '../../src/cli/main';
import { decodeImage } from '../../src/runtime/image/codec';
import { captureIo } from '../cli/capture-io';
import { goldenImage, goldenTensor, maxAbsDiff, meanAbsDiff } from './sd15-graphs';

/** The graph loads the optimum-layout fixture from its folder by a path relative to the graph file. */
const GRAPH = 'test/fixtures/graphs/sd15-optimum-dpmpp_2m.json';

describe('kosmograph run on an SD1.5 checkpoint folder', () => {
  it('writes the image diffusers made (DPM++ 2M, the golden noise)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kosmograph-sd15-cli-'));
    const io = captureIo();
    // The fixture folder is beside the graph's folder, not in it: allowed as a user would.
    const code = await main(['run', GRAPH, '--out', out, '--allow-dir', 'test/fixtures/sd15'], io);
    expect(code, io.err()).toBe(0);
    const image = decodeImage(new Uint8Array(readFileSync(join(out, 'image.png'))), 'image.png');
    const golden = goldenImage('dpmpp_2m.png');
    expect(meanAbsDiff(image.data, golden.data) / 255).toBeLessThanOrEqual(1 / 255);
    const latent = decodeLatentFile(
      new Uint8Array(readFileSync(join(out, 'latent.latent'))),
      'latent.latent',
    );
    expect(
      maxAbsDiff(latent.samples.data, goldenTensor('dpmpp_2m.latent', 'latent_tensor')),
    ).toBeLessThanOrEqual(1e-3);
  });
});
