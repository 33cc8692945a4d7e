/**
 * Writes the editor screenshots in docs/ (first screen, a run in progress with its stages, finished run, gallery, a grouped graph) from the
 * production build: `npx vite build && npx tsx test/browser/editor-screenshots.ts`.
 */
import { resolve } from 'node:path';
import { launchBrowser, startPreviewServer } from './browser-env';

const DOCS = resolve(import.meta.dirname, '../../docs');

async function main(): Promise<void> {
  const server = await startPreviewServer({ build: false });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-ready="true"]');
    await page.waitForTimeout(1500);
    await page.screenshot({ path: resolve(DOCS, 'editor-first-screen.png') });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    // A run in progress: the sampler's stage line counts steps with the time left.
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.kg-node-stage')].some((el) =>
          /running step \d+\/\d+, about/.test(el.textContent ?? ''),
        ),
      null,
      { timeout: 180_000, polling: 50 },
    );
    await page.screenshot({ path: resolve(DOCS, 'editor-run-stages.png') });
    await page.waitForSelector('[data-job-phase="done"], [data-job-phase="failed"]', { timeout: 180_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: resolve(DOCS, 'editor-finished-run.png') });
    // The gallery after a batch of two more runs (seeds + 0 and + 1).
    await page.getByLabel('Batch count').fill('2');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-job-phase="done"]').length >= 3, null, {
      timeout: 180_000,
    });
    await page.getByRole('button', { name: 'Gallery', exact: true }).click();
    await page.waitForSelector('.kg-gallery-item img');
    await page.waitForTimeout(300);
    await page.screenshot({ path: resolve(DOCS, 'editor-gallery.png') });
    // A grouped graph: VAE Decode and Save Image in a group (Ctrl+G), with a note (Shift+N).
    await page.keyboard.press('Escape');
    const box = (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
    await box('decode').locator('.kg-node-header').click();
    await box('save')
      .locator('.kg-node-header')
      .click({ modifiers: ['Control'] });
    await page.keyboard.press('Control+g');
    await page.waitForSelector('.kg-group');
    await page.waitForTimeout(300);
    await page.screenshot({ path: resolve(DOCS, 'editor-grouped.png') });
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
