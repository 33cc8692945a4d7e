import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { fitAll, nodeBox, openEditor } from './editor-helpers';

/**
 * Issue 15 items 3 and 4 in the editor: while the subject-driven example runs (cold: every
 * session is created in this run), each node that loads a model says so on the node, then
 * "compiling model", then the sampler counts its steps with the time left; and a size the pack's
 * U-Net cannot take is refused at Run, on the Empty Latent's param, before any node runs.
 */
describe('editor stages', () => {
  it('a run shows "loading model (n MB of m)", "compiling model", then "running step k/n" on the nodes', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await fitAll(page);
      // Record every stage text a node shows, as it appears (they change within milliseconds).
      await page.evaluate(() => {
        const seen: Record<string, string[]> = {};
        (window as unknown as { stagesSeen: typeof seen }).stagesSeen = seen;
        const record = () => {
          for (const el of document.querySelectorAll('.react-flow__node .kg-node-stage')) {
            const id = el.closest('.react-flow__node')?.getAttribute('data-id') ?? '?';
            const list = seen[id] ?? [];
            seen[id] = list;
            const text = el.textContent ?? '';
            if (list.at(-1) !== text) list.push(text);
          }
        };
        new MutationObserver(record).observe(document.body, {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="done"]', { timeout: 150_000 });
      const seen = await page.evaluate(
        () => (window as unknown as { stagesSeen: Record<string, string[]> }).stagesSeen,
      );

      const sampler = seen.sampler ?? [];
      const loading = sampler.findIndex((t) => /^loading model \(\d+\.\d MB of \d+\.\d MB\)$/.test(t));
      const compiling = sampler.indexOf('compiling model');
      const firstStep = sampler.findIndex((t) => /^running step \d+\/20/.test(t));
      expect(loading, JSON.stringify(sampler)).toBeGreaterThanOrEqual(0);
      expect(compiling).toBeGreaterThan(loading);
      expect(firstStep).toBeGreaterThan(compiling);
      expect(sampler.some((t) => /^running step 1?\d\/20, about \d+ (s|min) left$/.test(t))).toBe(true);
      // MLLM Encode loads its two models (vision tower and MLLM) the same way.
      expect((seen.encode ?? []).filter((t) => t.startsWith('loading model')).length).toBeGreaterThan(0);
      // Done: the stage line goes, the badge says done.
      await expect.poll(() => nodeBox(page, 'sampler').locator('.kg-badge').textContent()).toBe('done');
      expect(await page.locator('.kg-node-stage').count()).toBe(0);
      expect(errors).toEqual([]);
    }));

  it('Empty Latent width 512 on the 128-px pack is refused at Run, on its width param, before any node runs', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await fitAll(page);
      await nodeBox(page, 'latent').getByLabel('Width', { exact: true }).fill('512');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="failed"]', { timeout: 60_000 });
      const width = nodeBox(page, 'latent').locator('.kg-has-issue', {
        has: page.getByLabel('Width', { exact: true }),
      });
      await expect
        .poll(() => width.locator('.kg-issue').textContent())
        .toBe(
          'width 512 makes a latent 64 wide; the U-Net of shapes-world (unet/model.onnx) takes only 16: set width to 128',
        );
      expect(await page.locator('.kg-node.kg-status-done, .kg-node.kg-status-running').count()).toBe(0);
      expect(errors).toEqual([]);
    }));
});
