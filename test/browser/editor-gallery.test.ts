import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { exportedJson, openEditor } from './editor-helpers';

interface Exported {
  readonly nodes: readonly { readonly id: string; readonly params: Record<string, unknown> }[];
}

const seedIn = (text: string): number =>
  (JSON.parse(text) as Exported).nodes.find((n) => n.id === 'sampler')!.params.seed as number;

/**
 * Issue 15 item 8: a batch of two runs (the seed one higher for the second)
 * lands in the gallery with thumbnails, seeds, changed params and times; the
 * gallery is still there after a reload; a run's graph opens again; delete
 * and clear.
 */
describe('editor gallery', () => {
  it('a batch of 2 runs shows in the gallery across a reload; open a run graph, delete, clear', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const seed = seedIn((await exportedJson(page)).text);

      await page.getByLabel('Batch count').fill('2');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect.poll(() => page.locator('[data-job-phase]').count()).toBe(2);
      await page.waitForFunction(
        () => document.querySelectorAll('[data-job-phase="done"]').length === 2,
        null,
        {
          timeout: 170_000,
        },
      );
      // The seed in the graph is as before the batch (fixed seed).
      expect(seedIn((await exportedJson(page)).text)).toBe(seed);

      const gallery = page.getByRole('dialog', { name: 'Gallery' });
      const items = gallery.locator('.kg-gallery-item');
      const openGallery = async () => {
        await page.getByRole('button', { name: 'Gallery', exact: true }).click();
        await expect.poll(() => gallery.isVisible()).toBe(true);
      };
      await openGallery();
      await expect.poll(() => items.count()).toBe(2);
      // Newest first: the second run, seed + 1, its change named; both with a thumbnail and a time.
      await expect
        .poll(() => items.nth(0).locator('.kg-gallery-seed').textContent())
        .toBe(`seed ${seed + 1}`);
      expect(await items.nth(1).locator('.kg-gallery-seed').textContent()).toBe(`seed ${seed}`);
      expect(await items.nth(1).textContent()).toContain('the first run of this graph');
      expect(await items.nth(0).getByRole('list', { name: 'Changed params' }).textContent()).toContain(
        `sampler.seed: ${seed} → ${seed + 1}`,
      );
      for (const i of [0, 1]) {
        const img = items.nth(i).locator('.kg-gallery-thumbs img');
        await expect
          .poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth))
          .toBeGreaterThan(0);
        expect(await img.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
        expect((await img.getAttribute('src'))!.length).toBeLessThan(20_000);
        expect(await items.nth(i).locator('time').count()).toBe(1);
      }
      await page.keyboard.press('Escape');

      // Kept across a reload (IndexedDB).
      await page.waitForTimeout(500);
      await page.reload();
      await openEditor(page);
      await openGallery();
      await expect.poll(() => items.count()).toBe(2);

      // Change the seed, then open the first run's graph: its seed comes back.
      await gallery.getByRole('button', { name: /^Open the graph of Run 1/ }).click();
      await expect.poll(() => gallery.isVisible()).toBe(false);
      await expect.poll(async () => seedIn((await exportedJson(page)).text)).toBe(seed);

      // Delete one; clear the rest (confirmed); still empty after a reload.
      await openGallery();
      await gallery.getByRole('button', { name: /^Delete Run 2/ }).click();
      await expect.poll(() => items.count()).toBe(1);
      page.once('dialog', (d) => void d.accept());
      await gallery.getByRole('button', { name: 'Clear gallery' }).click();
      await expect.poll(() => items.count()).toBe(0);
      await page.reload();
      await openEditor(page);
      await openGallery();
      await expect.poll(() => gallery.textContent()).toMatch(/No runs yet/);
      expect(errors).toEqual([]);
    }));
});
