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
});
