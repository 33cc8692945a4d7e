import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { edge, fitAll, moreCommand, nodeBox, openEditor, overlappingNodes } from './editor-helpers';

/**
 * Issue 15 item 7: new, pasted and duplicated nodes land in free space near
 * the pointer (or the view's centre); Ctrl+Shift+V keeps the pasted nodes'
 * input wires; after auto layout, a node that grows with its output (Save
 * Image after a run) covers none of its neighbours.
 */
describe('editor placement', () => {
  it('places new, pasted and duplicated nodes in free space; pastes with inputs; grown nodes make room', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await fitAll(page);
      const nodes = page.locator('.react-flow__node');
      await expect.poll(() => nodes.count()).toBe(9);
      expect(await overlappingNodes(page)).toEqual([]);

      // Palette clicks, one after another: each new node in free space.
      for (let i = 0; i < 3; i++)
        await page.getByRole('button', { name: 'Add Empty Latent', exact: true }).click();
      await expect.poll(() => nodes.count()).toBe(12);
      await page.waitForTimeout(300);
      expect(await overlappingNodes(page)).toEqual([]);

      // Copy the sampler, paste with the pointer over the canvas: free space near it.
      const pane = page.locator('.react-flow__pane');
      await nodeBox(page, 'sampler').locator('.kg-node-header').click();
      await page.keyboard.press('Control+c');
      const box = (await pane.boundingBox())!;
      const target = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      await page.mouse.move(target.x, target.y);
      await page.keyboard.press('Control+v');
      await expect.poll(() => nodeBox(page, 'sampler_2').count()).toBe(1);
      await page.waitForTimeout(300);
      expect(await overlappingNodes(page)).toEqual([]);
      // Plain paste: no wires into the copy.
      expect(await page.locator('.react-flow__edge[data-id$="->sampler_2.unet"]').count()).toBe(0);

      // Ctrl+Shift+V: the copy keeps its input wires (from the pack, the aligner, the latent).
      await page.mouse.move(target.x, target.y);
      await page.keyboard.press('Control+Shift+v');
      await expect.poll(() => nodeBox(page, 'sampler_3').count()).toBe(1);
      await expect.poll(() => edge(page, ['pack', 'unet'], ['sampler_3', 'unet']).count()).toBe(1);
      expect(await edge(page, ['align', 'positive'], ['sampler_3', 'positive']).count()).toBe(1);
      expect(await edge(page, ['latent', 'latent'], ['sampler_3', 'latent']).count()).toBe(1);
      await page.waitForTimeout(300);
      expect(await overlappingNodes(page)).toEqual([]);

      // Duplicate: beside the original, in free space.
      await nodeBox(page, 'decode').locator('.kg-node-header').click();
      await page.keyboard.press('Control+d');
      await expect.poll(() => nodeBox(page, 'decode_2').count()).toBe(1);
      await page.waitForTimeout(300);
      expect(await overlappingNodes(page)).toEqual([]);

      // Back to the example's nine nodes; auto layout; a run: the Save Image node grows with its picture.
      for (let i = 0; i < 6; i++) await page.keyboard.press('Control+z');
      await expect.poll(() => nodes.count()).toBe(9);
      await moreCommand(page, 'Auto layout');
      await page.waitForTimeout(300);
      expect(await overlappingNodes(page)).toEqual([]);
      const before = (await nodeBox(page, 'save').boundingBox())!.height;
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="done"]', { timeout: 150_000 });
      await expect.poll(() => nodeBox(page, 'save').locator('.kg-output img').count()).toBe(1);
      await expect
        .poll(async () => (await nodeBox(page, 'save').boundingBox())!.height)
        .toBeGreaterThan(before + 20);
      await page.waitForTimeout(300);
      await fitAll(page);
      expect(await overlappingNodes(page)).toEqual([]);
      expect(errors).toEqual([]);
    }));
});
