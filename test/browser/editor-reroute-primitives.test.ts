import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { exportedJson, openEditor } from './editor-helpers';

/** Issue 15 item 9: reroute points on wires; params fed by wires from primitive nodes (one seed, two samplers). */

const WIRE = 'sampler.latent->decode.latent';

/** The screen point at `fraction` of a wire's length (its hit path, as drawn). */
async function pointOnWire(page: Page, key: string, fraction: number): Promise<{ x: number; y: number }> {
  return page.locator(`path.kg-wire-hit[data-wire="${key}"]`).evaluate((el, f) => {
    const path = el as SVGPathElement;
    const p = path.getPointAtLength(path.getTotalLength() * f);
    const m = path.getScreenCTM()!;
    return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
  }, fraction);
}

interface Saved {
  layout?: { edges?: Record<string, { points: { x: number; y: number }[] }> };
}
const savedPoints = async (page: Page) =>
  (JSON.parse((await exportedJson(page)).text) as Saved).layout?.edges?.[WIRE]?.points ?? [];

describe('editor reroute points and primitives', () => {
  it('double-click a wire adds a point; drag moves it; reload keeps it; undo, double-click removes it', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const points = page.locator(`.kg-reroute[data-wire="${WIRE}"]`);
      const at = await pointOnWire(page, WIRE, 0.5);
      await page.mouse.dblclick(at.x, at.y);
      await expect.poll(() => points.count()).toBe(1);
      // The wire now bends through the point: two legs.
      const drawn = page.locator(`.react-flow__edge[data-id="${WIRE}"] path[data-reroutes]`);
      expect((await drawn.getAttribute('d'))?.match(/M/g)).toHaveLength(2);
      const placed = (await points.boundingBox())!;
      expect(Math.abs(placed.x + placed.width / 2 - at.x)).toBeLessThan(4);
      expect(Math.abs(placed.y + placed.height / 2 - at.y)).toBeLessThan(4);
      // No search box opened (a double-click on a wire is not one on the canvas).
      expect(await page.getByRole('listbox', { name: 'Matching nodes' }).count()).toBe(0);

      // Drag it 60 px down: the wire follows (its midpoint moves down too).
      const start = { x: placed.x + placed.width / 2, y: placed.y + placed.height / 2 };
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      await page.mouse.move(start.x + 10, start.y + 30, { steps: 3 });
      await page.mouse.move(start.x + 20, start.y + 60, { steps: 3 });
      await page.mouse.up();
      const moved = (await points.boundingBox())!;
      expect(moved.y - placed.y).toBeGreaterThan(50);
      const saved = await savedPoints(page);
      expect(saved).toHaveLength(1);

      // Arrow keys move the focused point (10 px in the graph); Ctrl+Z undoes that, then the drag.
      await points.focus();
      await page.keyboard.press('ArrowRight');
      await expect.poll(async () => (await savedPoints(page))[0]?.x).toBe(saved[0]!.x + 10);
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+z');
      await expect.poll(async () => (await savedPoints(page))[0]?.x).toBe(saved[0]!.x);

      // Saved with the graph: a reload restores it.
      await page.waitForTimeout(700);
      await page.reload();
      await openEditor(page);
      await expect.poll(() => points.count()).toBe(1);
      expect(await savedPoints(page)).toEqual(saved);

      // Double-click removes it; Alt+click adds one; Delete on the focused point removes that one.
      await points.dblclick();
      await expect.poll(() => points.count()).toBe(0);
      expect(await savedPoints(page)).toEqual([]);
      const again = await pointOnWire(page, WIRE, 0.3);
      await page.keyboard.down('Alt');
      await page.mouse.click(again.x, again.y);
      await page.keyboard.up('Alt');
      await expect.poll(() => points.count()).toBe(1);
      await points.focus();
      await page.keyboard.press('Delete');
      await expect.poll(() => points.count()).toBe(0);
      // Undo brings it back; deleting the wire's node drops its points from the graph.
      await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('Control+z');
      await expect.poll(() => points.count()).toBe(1);
      await page.locator('.react-flow__node[data-id="decode"] .kg-node-header').click();
      await page.keyboard.press('Delete');
      await expect.poll(() => points.count()).toBe(0);
      expect(JSON.parse((await exportedJson(page)).text).layout.edges).toBeUndefined();
      expect(errors).toEqual([]);
    }));
});
