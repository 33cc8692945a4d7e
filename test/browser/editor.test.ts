import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/runtime/image/codec';
import { REFERENCE_PACK_DIR } from '../../src/runtime/node/node-model-services';
import { classifyImage } from '../pack/world-classifier';
import { appUrl, withPage } from './browser-env';
import {
  downloadBytes,
  dragTo,
  edge,
  exportedJson,
  fitAll,
  handle,
  moreCommand,
  nodeBox,
  openEditor,
  wire,
} from './editor-helpers';

/**
 * The editor as a user drives it, against the production build (one shared
 * preview server and Chromium, see browser-env.ts). Runs use the reference
 * pack on wasm/WebGPU-on-SwiftShader: about 20 s each on 2 cores, so only two
 * tests run a graph.
 */
describe('editor', () => {
  it('opens on the subject-driven example with a Run button and every example in the menu', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await expect.poll(() => page.locator('.kg-graph-name').textContent()).toMatch(/Subject-driven/);
      expect(await page.locator('.react-flow__node').count()).toBe(9);
      await expect.poll(() => page.getByRole('button', { name: 'Run', exact: true }).isEnabled()).toBe(true);
      await page.getByText('Examples', { exact: true }).click();
      const items = await page.getByRole('list', { name: 'Examples' }).getByRole('button').allTextContents();
      expect(items.length).toBeGreaterThanOrEqual(8);
      expect(errors).toEqual([]);
    }));

  it('opens a pack from a picked folder, checking every file, and points the graph at it', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.getByRole('button', { name: /^Models:/ }).click();
      await page.getByLabel('Open a model folder').setInputFiles(REFERENCE_PACK_DIR);
      const dialog = page.locator('dialog[open]');
      await expect.poll(() => dialog.textContent(), { timeout: 90_000 }).toMatch(/folder:shapes-world/);
      await expect
        .poll(() => dialog.getByRole('status').first().textContent())
        .toMatch(/sha256 checked (\d+)\/\1/);
      await dialog.getByRole('button', { name: 'Close' }).click();
      const exported = JSON.parse((await exportedJson(page)).text) as {
        nodes: { type: string; params: { pack?: string } }[];
      };
      expect(exported.nodes.find((n) => n.type === 'models.pack')?.params.pack).toBe('folder:shapes-world');
      expect(errors).toEqual([]);
    }));

  it('builds text-to-image from an empty canvas, runs it, and the image is right', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);

      for (const title of ['Model Pack', 'CLIP Text Encode', 'Empty Latent', 'Sampler', 'Save Image']) {
        await page.getByRole('button', { name: `Add ${title}`, exact: true }).click();
      }
      await moreCommand(page, 'Auto layout');
      await page.waitForTimeout(300);

      // Wires dragged handle to handle.
      await wire(page, ['pack', 'clip'], ['clip_text_encode', 'clip']);
      await wire(page, ['pack', 'vae'], ['empty', 'vae']);
      await wire(page, ['pack', 'unet'], ['sampler', 'unet']);
      await wire(page, ['clip_text_encode', 'positive'], ['sampler', 'positive']);
      await wire(page, ['clip_text_encode', 'negative'], ['sampler', 'negative']);
      await wire(page, ['empty', 'latent'], ['sampler', 'latent']);
      expect(await page.locator('.react-flow__edge').count()).toBe(6);

      // A wire dropped on empty canvas opens a search offering only nodes that take a LATENT.
      const pane = await page.locator('.react-flow__pane').boundingBox();
      if (!pane) throw new Error('no canvas');
      await dragTo(page, handle(page, 'sampler', 'latent', 'source'), {
        x: pane.x + pane.width - 60,
        y: pane.y + 40,
      });
      const offers = page.getByRole('listbox', { name: 'Matching nodes' }).getByRole('option');
      await expect
        .poll(() => offers.allTextContents())
        .toEqual([
          expect.stringContaining('Sampler'),
          expect.stringContaining('VAE Decode'),
          expect.stringContaining('Save Latent'),
        ]);
      await offers.filter({ hasText: 'VAE Decode' }).click();
      await expect.poll(() => edge(page, ['sampler', 'latent'], ['vae_decode', 'latent']).count()).toBe(1);
      await moreCommand(page, 'Auto layout');
      await page.waitForTimeout(300);
      await wire(page, ['pack', 'vae'], ['vae_decode', 'vae']);
      await wire(page, ['vae_decode', 'image'], ['save', 'image']);
      expect(await page.locator('.react-flow__edge').count()).toBe(9);

      // The prompt and the seed, typed into the node's widgets.
      const prompt = nodeBox(page, 'clip_text_encode').getByLabel('Prompt', { exact: true });
      await prompt.fill('a blue square and a yellow triangle');
      await nodeBox(page, 'sampler').getByLabel('Seed', { exact: true }).fill('7');

      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="done"], [data-job-phase="failed"]', { timeout: 150_000 });
      expect(await page.locator('[data-job-phase]').first().getAttribute('data-job-phase')).toBe('done');
      await expect.poll(() => nodeBox(page, 'sampler').getByRole('status').textContent()).toBe('done');

      const { name, bytes } = await downloadBytes(page, () =>
        nodeBox(page, 'save')
          .getByRole('link', { name: /Download/ })
          .click(),
      );
      expect(name).toMatch(/\.png$/);
      const picture = classifyImage(decodeImage(bytes, name));
      expect(
        picture.entities.map((e) => `${e.color} ${e.shape}`),
        JSON.stringify(picture),
      ).toEqual(['blue square', 'yellow triangle']);

      // The saved PNG carries its graph: importing it opens the graph that made it.
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await page
        .getByTestId('import-file')
        .setInputFiles({ name, mimeType: 'image/png', buffer: Buffer.from(bytes) });
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(6);
      await expect.poll(() => edge(page, ['vae_decode', 'image'], ['save', 'image']).count()).toBe(1);
      expect(errors).toEqual([]);
    }));

  it('refuses a wrong connection with its reason; undo/redo; copy/paste with new ids; reload restores', () =>
    withPage(appUrl('/'), async (page) => {
      await openEditor(page);
      await fitAll(page);
      const edges = await page.locator('.react-flow__edge').count();

      // VAE into the sampler's UNET input: refused, and the reason is shown.
      await wire(page, ['pack', 'vae'], ['sampler', 'unet']);
      await expect
        .poll(() => page.getByRole('alert').filter({ hasText: 'Connection refused' }).textContent())
        .toMatch(/type mismatch: VAE output "vae" cannot feed UNET input "unet"/);
      expect(await page.locator('.react-flow__edge').count()).toBe(edges);

      // Undo / redo a param edit.
      const steps = nodeBox(page, 'sampler').getByLabel('Steps', { exact: true });
      await steps.fill('12');
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+z');
      await expect.poll(() => steps.inputValue()).toBe('20');
      await page.keyboard.press('Control+Shift+z');
      await expect.poll(() => steps.inputValue()).toBe('12');
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+y');
      await expect.poll(() => steps.inputValue()).toBe('12');

      // Copy / paste the sampler: a new node with a new id and the same params.
      await nodeBox(page, 'sampler').locator('.kg-node-header').click();
      await page.keyboard.press('Control+c');
      await page.keyboard.press('Control+v');
      await expect.poll(() => nodeBox(page, 'sampler_2').count()).toBe(1);
      expect(await nodeBox(page, 'sampler_2').getByLabel('Steps', { exact: true }).inputValue()).toBe('12');
      // Duplicate (Ctrl+D) of the pasted node (selected after paste).
      await page.keyboard.press('Control+d');
      await expect.poll(() => nodeBox(page, 'sampler_3').count()).toBe(1);
      await page.keyboard.press('Delete');
      await expect.poll(() => nodeBox(page, 'sampler_3').count()).toBe(0);

      // Autosave: after a reload the last graph is back.
      const before = (await exportedJson(page)).text;
      await page.waitForTimeout(800);
      await page.reload();
      await openEditor(page);
      await expect.poll(() => nodeBox(page, 'sampler_2').count()).toBe(1);
      expect((await exportedJson(page)).text).toBe(before);
    }));

  it('exports and re-imports the same document; bad files keep the graph; a graph that cannot run is refused, naming the node', () =>
    withPage(appUrl('/'), async (page) => {
      await openEditor(page);
      const exported = await exportedJson(page);
      expect(JSON.parse(exported.text).format).toBe('kosmograph.graph');

      // A broken file: an error, and the graph stays.
      const input = page.getByTestId('import-file');
      await input.setInputFiles({
        name: 'broken.json',
        mimeType: 'application/json',
        buffer: Buffer.from('{"format":'),
      });
      await expect
        .poll(() => page.getByRole('alert').first().textContent())
        .toMatch(/broken\.json.*not valid JSON/s);
      expect(await page.locator('.react-flow__node').count()).toBe(9);

      // Import the exported file after starting over: the same document comes back.
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await input.setInputFiles({
        name: exported.name,
        mimeType: 'application/json',
        buffer: Buffer.from(exported.text),
      });
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(9);
      expect((await exportedJson(page)).text).toBe(exported.text);

      // Two <i> markers but one image: validation names the prompt node before anything runs, Run
      // is refused with the problem listed, and the app stays usable.
      await fitAll(page);
      await nodeBox(page, 'prompt').getByLabel('Prompt', { exact: true }).fill('<i> and <i>');
      await expect
        .poll(() => nodeBox(page, 'prompt').locator('.kg-warning').textContent())
        .toMatch(/2 <i> markers but 1 image/);
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect
        .poll(() => page.locator('.kg-notice').textContent())
        .toMatch(/The graph cannot run: .*problem/);
      expect(await page.locator('[data-job-phase="running"]').count()).toBe(0);
      await page.getByRole('button', { name: 'Add Preview Image', exact: true }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(10);

      // Copy share link, then open it: the same document. A damaged link keeps the graph.
      const current = (await exportedJson(page)).text;
      await moreCommand(page, 'Copy share link');
      const link = (await page.locator('.kg-notice li').first().textContent()) ?? '';
      expect(link).toMatch(/#graph=/);
      await page.goto(`${link.slice(0, -12)}AAAAbroken!!`);
      await openEditor(page);
      await expect
        .poll(() => page.locator('.kg-notice').textContent())
        .toMatch(/Cannot open this share link/);
      expect(await page.locator('.react-flow__node').count()).toBe(10);
      await page.goto(link);
      await openEditor(page);
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(10);
      expect((await exportedJson(page)).text).toBe(current);
    }));
});
