import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { edge, fitAll, handle, nodeBox, openEditor } from './editor-helpers';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[]; readonly failureSummary?: string }[];
}

/** axe-core over the whole page: its serious and critical violations, one line per element. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(c: Document): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document)).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) ${n.target.join(' ')}: ${v.help}`));
}

/**
 * Issue 15 item 11: no serious or critical axe-core violations on the first
 * screen and with a node selected (light and dark themes); port labels of
 * 11 px or more; socket types told apart by handle shape; wiring from the
 * keyboard; Tab reaches the nodes before the connections.
 */
describe('editor accessibility', () => {
  it('passes axe-core (light and dark, first screen and node selected), 11 px labels, shapes, keyboard wiring, Tab order', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.waitForTimeout(500);
      expect(await seriousViolations(page)).toEqual([]);
      await fitAll(page);
      await nodeBox(page, 'sampler').locator('.kg-node-header').click();
      await expect.poll(() => page.getByRole('region', { name: 'Inspector for sampler' }).count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(200);
      expect(await seriousViolations(page)).toEqual([]);
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      expect(await seriousViolations(page)).toEqual([]);
      await page.emulateMedia({ colorScheme: 'light' });

      // Port labels are 11 px or more.
      const sizes = await page
        .locator('.kg-port-name, .kg-port-type')
        .evaluateAll((els) => els.map((el) => Number.parseFloat(getComputedStyle(el).fontSize)));
      expect(sizes.length).toBeGreaterThan(10);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);

      // The three purple types have three shapes.
      const shapeOf = (node: string, port: string, side: 'source' | 'target') =>
        handle(page, node, port, side).evaluate((el) => {
          const s = getComputedStyle(el);
          return `${s.clipPath}|${s.borderRadius}`;
        });
      const shapes = new Set([
        await shapeOf('pack', 'unet', 'source'),
        await shapeOf('pack', 'mllm', 'source'),
        await shapeOf('encode', 'hidden', 'source'),
      ]);
      expect(shapes.size).toBe(3);

      // Keyboard: remove a wire from the connection list, then wire it again from the handles.
      const wireLocator = edge(page, ['decode', 'image'], ['save', 'image']);
      expect(await wireLocator.count()).toBe(1);
      await page
        .getByRole('navigation', { name: 'Connections' })
        .getByRole('button', { name: 'decode.image → save.image' })
        .focus();
      await page.keyboard.press('Delete');
      await expect.poll(() => wireLocator.count()).toBe(0);
      await handle(page, 'decode', 'image', 'source').focus();
      await page.keyboard.press('Enter');
      await expect
        .poll(() => handle(page, 'decode', 'image', 'source').getAttribute('aria-pressed'))
        .toBe('true');
      // A compatible input lights up; an incompatible one dims.
      expect(await handle(page, 'save', 'image', 'target').getAttribute('class')).toContain('kg-handle-fits');
      expect(await handle(page, 'sampler', 'unet', 'target').getAttribute('class')).toContain(
        'kg-handle-dim',
      );
      await handle(page, 'save', 'image', 'target').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => wireLocator.count()).toBe(1);
      expect(await page.locator('.kg-handle-picked').count()).toBe(0);
      // Escape puts a picked-up handle down.
      await handle(page, 'decode', 'image', 'source').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('.kg-handle-picked').count()).toBe(1);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator('.kg-handle-picked').count()).toBe(0);

      // Tab order: every node comes before the first connection; wires in the SVG are not tab stops.
      await page.getByRole('button', { name: 'Run', exact: true }).focus();
      const order: string[] = [];
      for (let i = 0; i < 400; i++) {
        await page.keyboard.press('Tab');
        const what = await page.evaluate(() => {
          const el = document.activeElement;
          if (!el) return 'none';
          if (el.closest('.react-flow__edge')) return 'edge';
          if (el.closest('.kg-connections')) return 'connection';
          const node = el.closest('.react-flow__node');
          return node ? `node:${node.getAttribute('data-id')}` : 'other';
        });
        order.push(what);
        if (what === 'connection') break;
      }
      expect(order).not.toContain('edge');
      const firstConnection = order.indexOf('connection');
      expect(firstConnection).toBeGreaterThan(0);
      const nodesSeen = new Set(order.slice(0, firstConnection).filter((o) => o.startsWith('node:')));
      expect(nodesSeen.size).toBe(9);
      expect(errors).toEqual([]);
    }));
});
