import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { maxAbsDiff, SD15_DIR } from '../sd15/sd15-graphs';
import { appUrl, withPage } from './browser-env';
import { downloadBytes, nodeBox, openEditor } from './editor-helpers';

const KOSMOS_G = resolve('test/fixtures/kosmos-g');
const GOLDEN = join(KOSMOS_G, 'golden');
/** test/kosmos-g/kosmos-g-parity.test.ts's bound (headless: 3.7e-5 measured). */
const LATENT_TOLERANCE = 1e-3;

const dataUrl = (file: string, mime: string) =>
  `data:${mime};base64,${readFileSync(file).toString('base64')}`;

/** The Kosmos-G parity graph as the editor would hold it: both model nodes still on `reference`. */
function graphJson(): string {
  const pipeline = JSON.parse(readFileSync(join(GOLDEN, 'pipeline.json'), 'utf8')) as {
    prompt: string;
    negative_prompt: string;
  };
  const node = (id: string, type: string, params: Record<string, unknown>) => ({
    id,
    type,
    typeVersion: 1,
    params,
  });
  const wire = (a: string, ap: string, b: string, bp: string) => ({
    from: { node: a, port: ap },
    to: { node: b, port: bp },
  });
  return JSON.stringify({
    format: 'kosmograph.graph',
    version: 1,
    meta: { name: 'kosmos-g tiny (browser)' },
    nodes: [
      node('kosmos', 'models.kosmos_g', { encoder: 'reference' }),
      node('ckpt', 'models.checkpoint', { checkpoint: 'reference' }),
      node('img', 'image.load', { image: dataUrl(join(GOLDEN, 'subject.png'), 'image/png') }),
      node('prompt', 'prompt.interleaved', { text: pipeline.prompt }),
      node('encode', 'conditioning.mllm_encode', { negative: pipeline.negative_prompt }),
      node('align', 'conditioning.align', {}),
      node('latent', 'latent.empty', { width: 64, height: 64, batch_size: 1 }),
      node('noise', 'latent.load', {
        latent: dataUrl(join(GOLDEN, 'noise.latent'), 'application/octet-stream'),
      }),
      node('sampler', 'sampling.sampler', {
        seed: 0,
        steps: 10,
        cfg: 7.5,
        sampler: 'dpmpp_2m',
        scheduler: 'diffusers',
        denoise: 1,
      }),
      node('out', 'latent.save', { filename_prefix: 'latent' }),
    ],
    edges: [
      wire('img', 'image', 'prompt', 'image1'),
      wire('kosmos', 'mllm', 'encode', 'mllm'),
      wire('prompt', 'prompt', 'encode', 'prompt'),
      wire('kosmos', 'aligner', 'align', 'aligner'),
      wire('encode', 'hidden', 'align', 'hidden'),
      wire('ckpt', 'vae', 'latent', 'vae'),
      wire('ckpt', 'unet', 'sampler', 'unet'),
      wire('align', 'positive', 'sampler', 'positive'),
      wire('align', 'negative', 'sampler', 'negative'),
      wire('latent', 'latent', 'sampler', 'latent'),
      wire('noise', 'latent', 'sampler', 'noise'),
      wire('sampler', 'latent', 'out', 'latent'),
    ],
  });
}

/**
 * Two picked folders in one graph: the tiny Kosmos-G encoder (test/fixtures/kosmos-g/encoder) goes to Load
 * Kosmos-G, the tiny SD1.5 (test/fixtures/sd15/optimum) to Load Checkpoint; on wasm the run matches the
 * PyTorch golden of the headless test.
 */
describe('a picked Kosmos-G encoder folder + a picked SD1.5 folder (wasm)', () => {
  it(
    'opens both, points each node at its folder, and gives the PyTorch latents',
    () =>
      withPage(appUrl('/?backend=wasm'), async (page, { errors }) => {
        await openEditor(page);
        await page.getByTestId('import-file').setInputFiles({
          name: 'kosmos-g.json',
          mimeType: 'application/json',
          buffer: Buffer.from(graphJson()),
        });
        await expect.poll(() => page.locator('.react-flow__node').count()).toBe(10);
        await page.getByRole('button', { name: /^Models:/ }).click();
        const dialog = page.locator('dialog[open]');
        await page.getByLabel('Open a model folder').setInputFiles(join(KOSMOS_G, 'encoder'));
        await expect
          .poll(() => dialog.getByTestId('recognised').textContent(), { timeout: 60_000 })
          .toMatch(/Kosmos-G encoder.*Components: .*vision.*mllm.*aligner/);
        expect(await dialog.textContent()).toMatch(/Load Kosmos-G node kosmos now uses folder:encoder/);
        await page.getByLabel('Open a model folder').setInputFiles(join(SD15_DIR, 'optimum'));
        await expect
          .poll(() => dialog.textContent(), { timeout: 60_000 })
          .toMatch(/Load Checkpoint node ckpt now uses folder:optimum/);
        await dialog.getByRole('button', { name: 'Close' }).click();

        await page.getByRole('button', { name: 'Run', exact: true }).click();
        await page.waitForSelector('[data-job-phase="done"], [data-job-phase="failed"]', {
          timeout: 150_000,
        });
        const phase = await page.locator('[data-job-phase]').first().getAttribute('data-job-phase');
        if (phase !== 'done')
          throw new Error(`the run failed: ${await page.locator('.kg-issue').allTextContents()}`);
        const file = await downloadBytes(page, () =>
          nodeBox(page, 'out')
            .getByRole('link', { name: /Download/ })
            .click(),
        );
        const latent = decodeLatentFile(file.bytes, file.name).samples.data;
        const golden = readLoraSafetensors(
          new Uint8Array(readFileSync(join(GOLDEN, 'dpmpp_2m.latent'))),
          'dpmpp_2m.latent',
        );
        const want = Float32Array.from(golden.tensors.get('latent_tensor')?.data ?? []);
        const diff = maxAbsDiff(latent, want);
        console.info(`[kosmos-g tiny on wasm] latent max abs ${diff.toExponential(3)}`);
        expect(diff).toBeLessThanOrEqual(LATENT_TOLERANCE);
        expect(errors).toEqual([]);
      }),
    240_000,
  );
});
