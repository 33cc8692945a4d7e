import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { fitAll, nodeBox, openEditor } from './editor-helpers';

/**
 * Issue 15 item 1: what the editor shows about runs belongs to the graph
 * that ran. One failing and one good run of the subject-driven example on the
 * reference pack (about 20 s on 2 cores), then New and the same ids again.
 */
describe('editor run state', () => {
  it('run, New, rebuild with the same ids: no stale badge, picture, error or Runs list; Run failed goes after a success', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await fitAll(page);
      const image = nodeBox(page, 'image1').getByLabel('Image', { exact: true });
      const original = await image.inputValue();

      // A failing run (an image that is not there): its notice and error show.
      await image.fill('images/missing.png');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="failed"]', { timeout: 120_000 });
      await expect.poll(() => page.locator('.kg-notice').textContent()).toMatch(/Run failed.*missing\.png/);
      expect(await page.locator('.kg-node.kg-status-error').count()).toBeGreaterThan(0);

      // Fixed, a run that succeeds: the "Run failed" notice goes, the picture and badges show.
      await image.fill(original);
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="done"]', { timeout: 150_000 });
      await expect.poll(() => page.locator('.kg-notice').filter({ hasText: 'Run failed' }).count()).toBe(0);
      await expect.poll(() => nodeBox(page, 'sampler').locator('.kg-badge').textContent()).toBe('done');
      await expect.poll(() => nodeBox(page, 'save').locator('.kg-output').count()).toBe(1);
      expect(await page.locator('.kg-node.kg-status-error').count()).toBe(0);
      expect(await page.locator('[data-job-phase]').count()).toBe(2);

      // New, and nodes with the same ids as before: nothing of the old runs shows on them.
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
      expect(await page.locator('[data-job-phase]').count()).toBe(0);
      for (const title of ['Sampler', 'Save Image']) {
        await page.getByRole('button', { name: `Add ${title}`, exact: true }).click();
      }
      await expect.poll(() => nodeBox(page, 'save').count()).toBe(1);
      expect(await nodeBox(page, 'sampler').count()).toBe(1);
      expect(await page.locator('.kg-badge').count()).toBe(0);
      expect(await page.locator('.kg-output, .kg-output img').count()).toBe(0);
      expect(await page.locator('.kg-node-errors').count()).toBe(0);
      expect(await page.locator('.kg-node.kg-status-error, .kg-node.kg-status-done').count()).toBe(0);
      expect(await page.locator('[data-job-phase]').count()).toBe(0);

      // Undo brings the old graph back, without the old runs' state either.
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      for (let i = 0; i < 3; i++) await page.keyboard.press('Control+z');
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(9);
      expect(await page.locator('.kg-badge').count()).toBe(0);
      expect(await page.locator('.kg-output').count()).toBe(0);
      expect(errors).toEqual([]);
    }));
});
