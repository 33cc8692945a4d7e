import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { dragTo, edge, handle, moreCommand, nodeBox, openEditor, wire } from './editor-helpers';

async function centre(locator: ReturnType<typeof handle>) {
  const b = await locator.boundingBox();
  if (!b) throw new Error('not visible');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** Issue 15 item 5: ComfyUI's wiring habits, with the mouse. */
describe('editor wiring', () => {
  it('replaces a taken input, picks wires up from inputs, lights up where a wire fits, fades refusals', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
      for (const title of ['Model Pack', 'Empty Latent', 'Empty Latent', 'Sampler', 'VAE Decode']) {
        await page.getByRole('button', { name: `Add ${title}`, exact: true }).click();
      }
      await moreCommand(page, 'Auto layout');
      await page.waitForTimeout(400);

      // Empty Latent needs no VAE: wired to the sampler, its VAE input shows no problem.
      await wire(page, ['empty', 'latent'], ['sampler', 'latent']);
      await expect.poll(() => edge(page, ['empty', 'latent'], ['sampler', 'latent']).count()).toBe(1);
      await page.waitForTimeout(400); // validation runs when the user pauses
      expect(await nodeBox(page, 'empty').locator('.kg-port-issue').count()).toBe(0);
      expect(await page.locator('.kg-inspector').textContent()).not.toMatch(
        /"vae" of "empty"|empty.*vae.*required/i,
      );

      // A wire dropped on a taken input replaces the old one (one undo step brings it back).
      await wire(page, ['empty_2', 'latent'], ['sampler', 'latent']);
      await expect.poll(() => edge(page, ['empty_2', 'latent'], ['sampler', 'latent']).count()).toBe(1);
      expect(await edge(page, ['empty', 'latent'], ['sampler', 'latent']).count()).toBe(0);
      await page.keyboard.press('Control+z');
      await expect.poll(() => edge(page, ['empty', 'latent'], ['sampler', 'latent']).count()).toBe(1);
      expect(await edge(page, ['empty_2', 'latent'], ['sampler', 'latent']).count()).toBe(0);

      // While a VAE wire is dragged, VAE inputs light up and the rest dims.
      await wire(page, ['pack', 'vae'], ['vae_decode', 'vae']);
      const from = await centre(handle(page, 'pack', 'vae', 'source'));
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(from.x + 40, from.y + 30, { steps: 4 });
      await expect
        .poll(() => handle(page, 'empty', 'vae', 'target').getAttribute('class'))
        .toMatch(/kg-handle-fits/);
      expect(await handle(page, 'vae_decode', 'vae', 'target').getAttribute('class')).toMatch(
        /kg-handle-fits/,
      );
      expect(await handle(page, 'sampler', 'unet', 'target').getAttribute('class')).toMatch(/kg-handle-dim/);
      expect(await handle(page, 'sampler', 'latent', 'target').getAttribute('class')).toMatch(
        /kg-handle-dim/,
      );
      await page.mouse.up();
      await expect.poll(() => page.locator('.kg-handle-fits, .kg-handle-dim').count()).toBe(0);

      // Dragging from a connected input picks its wire up: dropped on another VAE input it moves there.
      // While carried, the wire is drawn from the output it still hangs on.
      const picked = await centre(handle(page, 'vae_decode', 'vae', 'target'));
      const target = await centre(handle(page, 'empty', 'vae', 'target'));
      await page.mouse.move(picked.x, picked.y);
      await page.mouse.down();
      await page.mouse.move((picked.x + target.x) / 2, (picked.y + target.y) / 2, { steps: 4 });
      await expect.poll(() => page.locator('.kg-wire-line').getAttribute('data-from')).toBe('pack.vae');
      expect(await edge(page, ['pack', 'vae'], ['vae_decode', 'vae']).count()).toBe(0);
      await page.mouse.move(target.x, target.y, { steps: 4 });
      await page.mouse.up();
      await expect.poll(() => edge(page, ['pack', 'vae'], ['empty', 'vae']).count()).toBe(1);
      expect(await edge(page, ['pack', 'vae'], ['vae_decode', 'vae']).count()).toBe(0);
      // ... and let go on empty canvas it is removed.
      const pane = await page.locator('.react-flow__pane').boundingBox();
      if (!pane) throw new Error('no canvas');
      await dragTo(page, handle(page, 'sampler', 'latent', 'target'), {
        x: pane.x + pane.width - 80,
        y: pane.y + 60,
      });
      await expect.poll(() => edge(page, ['empty', 'latent'], ['sampler', 'latent']).count()).toBe(0);
      expect(await page.getByRole('listbox', { name: 'Matching nodes' }).count()).toBe(0);

      // A refused connection says why, then fades away by itself.
      await wire(page, ['pack', 'vae'], ['sampler', 'unet']);
      const refusal = page.locator('.kg-refusal');
      await expect
        .poll(() => refusal.textContent())
        .toMatch(/type mismatch: VAE output "vae" cannot feed UNET/);
      await expect.poll(() => refusal.count(), { timeout: 8000 }).toBe(0);
      expect(errors).toEqual([]);
    }));
});
