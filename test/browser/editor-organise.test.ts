import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { exportedJson, handle, nodeBox, openEditor } from './editor-helpers';

/** Issue 15 item 9: organising big graphs (bypass and mute with the keyboard, as in ComfyUI). */
describe('editor organise', () => {
  it('Ctrl+B bypasses, Ctrl+M mutes, again makes active; validation follows; the mode is saved', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const sampler = nodeBox(page, 'sampler');
      const decodeLatent = nodeBox(page, 'decode').locator('.kg-port-in', {
        has: handle(page, 'decode', 'latent', 'target'),
      });
      await sampler.locator('.kg-node-header').click();

      // Muted: VAE Decode's latent input comes from a node that does not run.
      await page.keyboard.press('Control+m');
      await expect.poll(() => sampler.locator('.kg-badge-mute').textContent()).toBe('muted');
      expect(await sampler.locator('.kg-node').getAttribute('class')).toMatch(/kg-mode-mute/);
      await expect.poll(() => decodeLatent.getAttribute('class'), { timeout: 5000 }).toMatch(/kg-port-issue/);
      expect(await decodeLatent.getAttribute('title')).toContain('comes from muted node "sampler"');

      // Ctrl+B switches it to bypassed: its LATENT input (the empty latent) passes through to VAE Decode.
      await page.keyboard.press('Control+b');
      await expect.poll(() => sampler.locator('.kg-badge-bypass').textContent()).toBe('bypassed');
      expect(await sampler.locator('.kg-node').getAttribute('class')).not.toMatch(/kg-mode-mute/);
      await expect
        .poll(() => decodeLatent.getAttribute('class'), { timeout: 5000 })
        .not.toMatch(/kg-port-issue/);

      // Ctrl+B again: active.
      await page.keyboard.press('Control+b');
      await expect.poll(() => sampler.locator('.kg-badge-bypass').count()).toBe(0);
      expect(await sampler.locator('.kg-node').getAttribute('class')).not.toMatch(/kg-mode-/);

      // Saved in the document; one undo step each.
      await page.keyboard.press('Control+b');
      await expect.poll(() => sampler.locator('.kg-badge-bypass').count()).toBe(1);
      const saved = JSON.parse((await exportedJson(page)).text) as { nodes: { id: string; mode?: string }[] };
      expect(saved.nodes.find((n) => n.id === 'sampler')?.mode).toBe('bypass');
      expect(saved.nodes.filter((n) => n.mode !== undefined).map((n) => n.id)).toEqual(['sampler']);
      await sampler.locator('.kg-node-header').click();
      await page.keyboard.press('Control+z');
      await expect.poll(() => sampler.locator('.kg-badge-bypass').count()).toBe(0);
      expect(errors).toEqual([]);
    }));

  it('Ctrl+G groups the selected nodes; dragging the title bar moves them together; saved and undone', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const decode = nodeBox(page, 'decode');
      const save = nodeBox(page, 'save');
      const sampler = nodeBox(page, 'sampler');
      await decode.locator('.kg-node-header').click();
      await save.locator('.kg-node-header').click({ modifiers: ['Control'] });
      await page.keyboard.press('Control+g');
      const group = page.getByRole('region', { name: 'group Group' });
      await expect.poll(() => group.count()).toBe(1);
      expect(await group.textContent()).toContain('2 nodes');

      const before = {
        decode: (await decode.boundingBox())!,
        save: (await save.boundingBox())!,
        sampler: (await sampler.boundingBox())!,
      };
      const bar = (await group.locator('.kg-group-count').boundingBox())!;
      const start = { x: bar.x + bar.width / 2, y: bar.y + bar.height / 2 };
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      await page.mouse.move(start.x + 40, start.y + 60, { steps: 4 });
      await page.mouse.move(start.x + 80, start.y + 120, { steps: 4 });
      await page.mouse.up();
      const after = {
        decode: (await decode.boundingBox())!,
        save: (await save.boundingBox())!,
        sampler: (await sampler.boundingBox())!,
      };
      // Both members moved by the same amount (on screen, at the canvas zoom); the sampler stayed.
      const moved = (k: 'decode' | 'save') => ({ x: after[k].x - before[k].x, y: after[k].y - before[k].y });
      expect(moved('decode').y).toBeGreaterThan(30);
      expect(moved('decode').x).toBeGreaterThan(20);
      expect(moved('save').x).toBeCloseTo(moved('decode').x, 0);
      expect(moved('save').y).toBeCloseTo(moved('decode').y, 0);
      expect(after.sampler).toEqual(before.sampler);

      // Saved: the group (title, members) and its box.
      const saved = JSON.parse((await exportedJson(page)).text) as {
        groups?: { id: string; title: string; nodeIds: string[] }[];
        layout: { groups?: Record<string, { x: number; y: number; width: number; height: number }> };
      };
      expect(saved.groups).toEqual([{ id: 'group_1', title: 'Group', nodeIds: ['decode', 'save'] }]);
      expect(saved.layout.groups?.group_1?.width).toBeGreaterThan(0);

      // Collapse: the title bar only, its nodes hidden (the others stay); Expand brings them back.
      await group.getByRole('button', { name: 'Collapse' }).click();
      await expect.poll(() => decode.isVisible()).toBe(false);
      expect(await save.isVisible()).toBe(false);
      expect(await sampler.isVisible()).toBe(true);
      expect((await group.boundingBox())!.height).toBeLessThan(after.decode.height);
      const collapsed = JSON.parse((await exportedJson(page)).text) as {
        layout: { groups?: Record<string, { collapsed?: boolean }> };
      };
      expect(collapsed.layout.groups?.group_1?.collapsed).toBe(true);
      await group.getByRole('button', { name: 'Expand' }).click();
      await expect.poll(() => decode.isVisible()).toBe(true);
      expect(await save.isVisible()).toBe(true);
      await page.keyboard.press('Control+z'); // the expand
      await page.keyboard.press('Control+z'); // the collapse
      await expect.poll(() => decode.isVisible()).toBe(true);

      // One undo step takes the move back, another the group.
      await sampler.locator('.kg-node-header').click();
      await page.keyboard.press('Control+z');
      await expect.poll(async () => (await decode.boundingBox())!.y).toBeCloseTo(before.decode.y, 0);
      expect((await save.boundingBox())!.x).toBeCloseTo(before.save.x, 0);
      await page.keyboard.press('Control+z');
      await expect.poll(() => group.count()).toBe(0);
      expect(errors).toEqual([]);
    }));

  it('Shift+N adds a note under the pointer; its text and place are saved; it can be deleted', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const pane = (await page.locator('.react-flow__pane').boundingBox())!;
      await page.mouse.move(pane.x + 80, pane.y + pane.height - 120);
      await page.keyboard.press('Shift+N');
      const note = page.getByRole('region', { name: 'note note_1' });
      await expect.poll(() => note.count()).toBe(1);
      await note.getByRole('textbox', { name: 'Text of note_1' }).fill('Try guidance 5 to 8 here');
      // Dragging its bar moves it.
      const before = (await note.boundingBox())!;
      const bar = (await note.locator('.kg-note-header span').boundingBox())!;
      await page.mouse.move(bar.x + 5, bar.y + bar.height / 2);
      await page.mouse.down();
      await page.mouse.move(bar.x + 45, bar.y - 20, { steps: 4 });
      await page.mouse.move(bar.x + 85, bar.y - 40, { steps: 4 });
      await page.mouse.up();
      await expect.poll(async () => (await note.boundingBox())!.x).toBeGreaterThan(before.x + 40);
      const saved = JSON.parse((await exportedJson(page)).text) as {
        notes?: { id: string; text: string }[];
        layout: { notes?: Record<string, { x: number; y: number }> };
      };
      expect(saved.notes).toEqual([{ id: 'note_1', text: 'Try guidance 5 to 8 here' }]);
      expect(saved.layout.notes?.note_1).toEqual({ x: expect.any(Number), y: expect.any(Number) });
      await note.getByRole('button', { name: 'Delete note' }).click();
      await expect.poll(() => note.count()).toBe(0);
      expect(errors).toEqual([]);
    }));

  it('a node colour picked in the inspector shows on the node and is saved in the layout', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const sampler = nodeBox(page, 'sampler');
      await sampler.locator('.kg-node-header').click();
      await page.getByRole('button', { name: 'Colour red' }).click();
      await expect.poll(() => sampler.locator('.kg-node').getAttribute('data-color')).toBe('#b33a3a');
      const saved = JSON.parse((await exportedJson(page)).text) as {
        layout: { nodes: Record<string, { color?: string }> };
      };
      expect(saved.layout.nodes.sampler?.color).toBe('#b33a3a');
      expect(Object.values(saved.layout.nodes).filter((n) => n.color !== undefined)).toHaveLength(1);
      await page.getByRole('button', { name: 'none', exact: true }).click();
      await expect.poll(() => sampler.locator('.kg-node').getAttribute('data-color')).toBeNull();
      expect(errors).toEqual([]);
    }));
});
