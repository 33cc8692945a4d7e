import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { downloadBytes, moreCommand, openEditor } from './editor-helpers';

/** Issue 15 item 10: several graphs in tabs, rename, Save As, Ctrl+O. */
describe('editor tabs', () => {
  it('keeps several graphs in tabs; renames; Save As names the file; Ctrl+O opens the file picker', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const tabs = page.getByRole('list', { name: 'Graphs' }).getByRole('listitem');
      await expect.poll(() => tabs.count()).toBe(1);
      await expect.poll(() => tabs.first().textContent()).toMatch(/Subject-driven/);

      // A second tab: an empty graph of its own.
      await page.getByRole('button', { name: 'New tab' }).click();
      await expect.poll(() => tabs.count()).toBe(2);
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
      await page.getByRole('button', { name: 'Add Empty Latent', exact: true }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(1);

      // Rename by double-clicking the tab.
      await page.locator('.kg-tab-active .kg-tab-label').dblclick();
      const nameField = page.locator('.kg-tabs').getByLabel('Graph name', { exact: true });
      await nameField.fill('My latent');
      await nameField.press('Enter');
      await expect.poll(() => page.locator('.kg-tab-active').textContent()).toMatch(/My latent/);

      // Back to the first tab and its graph; then the second again, with its node and name.
      await tabs.filter({ hasText: 'Subject-driven' }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(9);
      await tabs.filter({ hasText: 'My latent' }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(1);
      // Undo belongs to the tab: it takes back the rename, not the other tab's history.
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+z');
      await expect.poll(() => page.locator('.kg-tab-active').textContent()).toMatch(/Untitled graph/);
      await page.keyboard.press('Control+y');
      await expect.poll(() => page.locator('.kg-tab-active').textContent()).toMatch(/My latent/);

      // Save As: a new name, and the download carries it.
      await moreCommand(page, 'Save As…');
      const dialog = page.getByRole('dialog', { name: 'Save As' });
      await dialog.getByLabel('Graph name').fill('Latent study');
      const saved = await downloadBytes(page, () => dialog.getByRole('button', { name: 'Save' }).click());
      expect(saved.name).toBe('Latent-study.json');
      const json = JSON.parse(new TextDecoder().decode(saved.bytes)) as {
        meta?: { name?: string };
        nodes: unknown[];
      };
      expect(json.meta?.name).toBe('Latent study');
      expect(json.nodes).toHaveLength(1);
      await expect.poll(() => page.locator('.kg-tab-active').textContent()).toMatch(/Latent study/);

      // Ctrl+O opens the file picker for a graph file.
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      const [chooser] = await Promise.all([
        page.waitForEvent('filechooser', { timeout: 5000 }),
        page.keyboard.press('Control+o'),
      ]);
      expect(chooser.isMultiple()).toBe(false);

      // A reload brings every tab back (autosave), the active one in front.
      await page.waitForTimeout(800);
      await page.reload();
      await openEditor(page);
      await expect.poll(() => tabs.count()).toBe(2);
      await expect.poll(() => page.locator('.kg-tab-active').textContent()).toMatch(/Latent study/);
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(1);

      // Closing a tab leaves the others.
      await page.getByRole('button', { name: 'Close Latent study' }).click();
      await expect.poll(() => tabs.count()).toBe(1);
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(9);
      expect(errors).toEqual([]);
    }));
});
