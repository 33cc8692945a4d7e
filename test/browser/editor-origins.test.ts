import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { openEditor } from './editor-helpers';

const EXAMPLE = resolve(import.meta.dirname, '../../public/examples/subject-driven.json');
/** A port nothing listens on, at another origin than the app's: nothing is fetched in this test. */
const STRANGER = 'http://127.0.0.2:9';

/** Issue 14 item 1: the editor asks before a graph makes it fetch from a new origin. */
describe('editor origin consent', () => {
  it('a shared graph naming another site runs only after the user allows that site, and asks once', () =>
    withPage(appUrl('/'), async (page) => {
      await openEditor(page);
      const doc = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as {
        nodes: { type: string; params: Record<string, unknown> }[];
      };
      for (const node of doc.nodes)
        if (node.type === 'image.load') node.params.image = `${STRANGER}/pixel.png?who=you`;
      const questions: string[] = [];
      let answer = false;
      page.on('dialog', (dialog) => {
        questions.push(dialog.message());
        void (answer ? dialog.accept() : dialog.dismiss());
      });
      await page.getByTestId('import-file').setInputFiles({
        name: 'shared.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(doc)),
      });
      const run = page.getByRole('button', { name: 'Run', exact: true });

      // No: nothing runs, and the notice names the site.
      await run.click();
      await expect.poll(() => questions.length).toBe(1);
      expect(questions[0]).toContain(STRANGER);
      await expect
        .poll(() => page.locator('.kg-notice').textContent())
        .toMatch(/Not run: this graph fetches from sites you did not allow.*127\.0\.0\.2:9/s);
      expect(await page.locator('[data-job-phase]').count()).toBe(0);

      // Yes: the job is queued; the site is remembered, so the next run does not ask.
      answer = true;
      await run.click();
      await expect.poll(() => questions.length).toBe(2);
      await expect.poll(() => page.locator('[data-job-phase]').count()).toBeGreaterThan(0);
      expect(await page.evaluate(() => localStorage.getItem('kosmograph.allowedOrigins'))).toContain(
        STRANGER,
      );
      await run.click();
      await expect.poll(() => page.locator('[data-job-phase]').count()).toBeGreaterThan(1);
      expect(questions).toHaveLength(2);
    }));
});
