/**
 * Writes the editor screenshots in docs/ (first screen, finished run, gallery) from the
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
    await context.close();
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
