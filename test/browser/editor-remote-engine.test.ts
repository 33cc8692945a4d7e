import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, startKosmograph } from '../server/processes';
import { appUrl, withPage } from './browser-env';
import { nodeBox, openEditor } from './editor-helpers';

/**
 * Issue 16 item 4: the editor's Engine set to a `kosmograph serve` (a child process on a free
 * loopback port, with a token and --allow-origin the app's origin). The first screen's graph runs
 * on the server: progress and previews show on the nodes, the output image is downloaded from
 * the server; a second, long run is cancelled with the Runs list's Cancel (DELETE /jobs/:id).
 */
const TOKEN = 'remote-engine-test-token-0123456789';
const store = mkdtempSync(join(tmpdir(), 'kosmograph-remote-store-'));
let server: Child;
let base = '';

const health = async (): Promise<Record<string, number>> => {
  const body = (await (await fetch(`${base}/health`)).json()) as { counts: Record<string, number> };
  return body.counts;
};

beforeAll(async () => {
  const origin = new URL(appUrl('/')).origin;
  server = startKosmograph([
    'serve',
    '--port',
    '0',
    '--token',
    TOKEN,
    '--models',
    'public/examples',
    '--store',
    store,
    '--allow-origin',
    origin,
  ]);
  const line = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 120_000);
  base = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1]!;
}, 150_000);

afterAll(async () => {
  await server?.stop();
  rmSync(store, { recursive: true, force: true });
});

describe('editor on a server', () => {
  it('runs the first graph on kosmograph serve (progress, previews, output), then cancels a second run; a refused graph fails saying why', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      // The page's own engine worker is never asked to run: every run counted is the server's.
      const before = await health();

      await page.getByRole('button', { name: /^Models:/ }).click();
      const engineForm = page.getByRole('form', { name: 'Engine' });
      await engineForm.getByLabel('A server (kosmograph serve)').check();
      await engineForm.getByLabel(/^Server URL/).fill(`${base}/`);
      // A wrong token is named at once, not at the first run.
      await engineForm.getByLabel(/^Token/).fill('not-the-token-0123456789');
      await engineForm.getByRole('button', { name: 'Use this engine' }).click();
      await expect
        .poll(() => engineForm.getByRole('alert').textContent())
        .toBe(
          `Graphs now go to ${base}, but it does not answer: GET /nodes: the server ${base} refused the token (Models > Engine)`,
        );
      await engineForm.getByLabel(/^Token/).fill(TOKEN);
      await engineForm.getByRole('button', { name: 'Use this engine' }).click();
      await expect.poll(() => engineForm.getByRole('status').textContent()).toBe(`Graphs run on ${base}.`);
      expect(await page.getByTestId('backend-status').textContent()).toContain(
        `on the server ${new URL(base).host}`,
      );
      // The choice survives a reload (localStorage); the token is kept in this tab only (sessionStorage).
      expect(await page.evaluate(() => localStorage.getItem('kosmograph.engine'))).toBe(
        JSON.stringify({ kind: 'server', url: base }),
      );
      expect(await page.evaluate(() => sessionStorage.getItem('kosmograph.engine-token'))).toBe(TOKEN);
      expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(TOKEN);
      await page.keyboard.press('Escape');
      await page.reload();
      await openEditor(page);
      await expect
        .poll(() => page.getByTestId('backend-status').textContent())
        .toContain(`on the server ${new URL(base).host}`);

      // Record what the sampler shows while it runs: step counts and a preview canvas.
      await page.evaluate(() => {
        const seen = { stages: [] as string[], previews: 0 };
        (window as unknown as { seen: typeof seen }).seen = seen;
        new MutationObserver(() => {
          const stage = document.querySelector('.react-flow__node[data-id="sampler"] .kg-node-stage');
          const text = stage?.textContent ?? '';
          if (text && seen.stages.at(-1) !== text) seen.stages.push(text);
          if (document.querySelector('canvas[aria-label="Preview of sampler"]')) seen.previews += 1;
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="done"]', { timeout: 120_000 });
      const seen = await page.evaluate(
        () => (window as unknown as { seen: { stages: string[]; previews: number } }).seen,
      );
      expect(
        seen.stages.some((t) => /^running step \d+\/20/.test(t)),
        JSON.stringify(seen.stages),
      ).toBe(true);
      expect(seen.previews).toBeGreaterThan(0);
      // The output: the server's PNG, shown on the Save Image node and downloadable.
      const output = nodeBox(page, 'save').locator('img[data-output-node="save"]');
      await expect.poll(() => output.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(128);
      // The gallery records the server's run from the same events, with its thumbnail.
      await page.getByRole('button', { name: 'Gallery', exact: true }).click();
      const gallery = page.getByRole('dialog', { name: 'Gallery' });
      await expect.poll(() => gallery.locator('.kg-gallery-item').count()).toBe(1);
      await expect
        .poll(() =>
          gallery
            .locator('.kg-gallery-thumbs img')
            .first()
            .evaluate((el) => (el as HTMLImageElement).naturalWidth),
        )
        .toBeGreaterThan(0);
      await page.keyboard.press('Escape');
      const after = await health();
      expect(after.done ?? 0).toBe((before.done ?? 0) + 1);

      // A second run, long enough to cancel while it runs on the server.
      await nodeBox(page, 'sampler').getByLabel('Steps', { exact: true }).fill('150');
      await nodeBox(page, 'latent').getByLabel('Batch', { exact: true }).fill('4');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await page.waitForSelector('[data-job-phase="running"]', { timeout: 60_000 });
      await expect
        .poll(() => nodeBox(page, 'sampler').locator('.kg-node-stage').textContent(), { timeout: 60_000 })
        .toMatch(/^running step \d+\/150/);
      await page.getByRole('button', { name: 'Cancel Run 2' }).click();
      await page.waitForSelector('[data-job-phase="cancelled"]', { timeout: 30_000 });
      await expect.poll(async () => (await health()).cancelled ?? 0).toBe((before.cancelled ?? 0) + 1);
      expect((await health()).done ?? 0).toBe((before.done ?? 0) + 1);

      // A graph the server refuses (a pack path outside its --models): the run fails saying why.
      await nodeBox(page, 'pack').getByLabel('Pack', { exact: true }).fill('/etc/kosmograph-nowhere');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const failed = page.locator('[data-job-phase="failed"]');
      await failed.waitFor({ timeout: 30_000 });
      expect(await failed.locator('.kg-issue').textContent()).toBe(
        `the server refused the graph: node "pack" param "pack": "/etc/kosmograph-nowhere" is outside the server's allowed folders (${process.cwd()}/public/examples)`,
      );
      // The console errors are the browser's notes of the wrong token's 401s (one per status check
      // made while that token was in use: the Apply, and the boot-time pack load's refresh when it
      // lands after the switch) and of the refused graph's 400; nothing else.
      const unauthorized =
        'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)';
      const refused =
        'console: Failed to load resource: the server responded with a status of 400 (Bad Request)';
      expect(errors.length, JSON.stringify(errors)).toBeGreaterThanOrEqual(2);
      expect(errors.slice(0, -1), JSON.stringify(errors)).toEqual(
        errors.slice(0, -1).map(() => unauthorized),
      );
      expect(errors.at(-1), JSON.stringify(errors)).toBe(refused);
    }));
});
