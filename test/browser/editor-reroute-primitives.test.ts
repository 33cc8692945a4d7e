import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { dragTo, exportedJson, fitAll, handle, nodeBox, openEditor, wire } from './editor-helpers';

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

  it('one Primitive Seed drives two samplers: convert to input, wire, run a batch of 2', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.getByText('Examples', { exact: true }).click();
      await page
        .getByRole('list', { name: 'Examples' })
        .getByRole('button', { name: /CLIP vs Kosmos-G/ })
        .click();
      await expect.poll(() => page.locator('.react-flow__node[data-id="sampler_kosmos"]').count()).toBe(1);
      await fitAll(page);
      const sd = nodeBox(page, 'sampler_sd');
      const kosmos = nodeBox(page, 'sampler_kosmos');
      // Two steps each: a short run.
      for (const sampler of [sd, kosmos])
        await sampler.locator('[data-param="steps"] input[type="number"]').fill('2');

      // Convert Sampler SD's seed to an input: a socket appears on its row.
      await sd.getByRole('button', { name: 'Convert Seed to input' }).click();
      await expect.poll(() => handle(page, 'sampler_sd', 'seed', 'target').count()).toBe(1);
      expect(await handle(page, 'sampler_sd', 'seed', 'target').getAttribute('data-socket')).toBe('INT');

      // A Primitive Seed from the palette, its seed 42.
      await page.getByRole('button', { name: 'Add Primitive Seed' }).click();
      const primitive = nodeBox(page, 'seed');
      await expect.poll(() => primitive.count()).toBe(1);
      await primitive.locator('[data-param="seed"] input[type="number"]').fill('42');
      await fitAll(page);
      // Wire it to the converted socket, and drop a second wire on Sampler Kosmos's seed row (no socket yet).
      await wire(page, ['seed', 'seed'], ['sampler_sd', 'seed']);
      const row = (await kosmos.locator('[data-param="seed"]').boundingBox())!;
      await dragTo(page, handle(page, 'seed', 'seed', 'source'), {
        x: row.x + row.width / 2,
        y: row.y + row.height / 2,
      });
      for (const sampler of [sd, kosmos]) {
        await expect
          .poll(() => sampler.locator('[data-param="seed"]').getAttribute('data-wired-from'))
          .toBe('seed.seed');
        // The widget is replaced by where the value comes from.
        expect(await sampler.locator('[data-param="seed"] input').count()).toBe(0);
      }
      const saved = JSON.parse((await exportedJson(page)).text) as {
        nodes: { id: string; params: { seed?: number } }[];
        edges: { from: { node: string; port: string }; to: { node: string; port: string } }[];
        layout: { nodes: Record<string, { paramInputs?: string[] }> };
      };
      expect(
        saved.edges
          .filter((e) => e.from.node === 'seed')
          .map((e) => `${e.to.node}.${e.to.port}`)
          .sort(),
      ).toEqual(['sampler_kosmos.seed', 'sampler_sd.seed']);
      expect(saved.layout.nodes.sampler_sd?.paramInputs).toEqual(['seed']);
      const stored = saved.nodes.find((n) => n.id === 'sampler_sd')?.params.seed;

      // A batch of 2: run 1 with seed 42, run 2 with 43, both samplers following the primitive.
      await page.getByLabel('Batch count').fill('2');
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect.poll(() => page.locator('[data-job-phase]').count()).toBe(2);
      await page.waitForFunction(
        () => document.querySelectorAll('[data-job-phase="done"]').length === 2,
        null,
        {
          timeout: 120_000,
        },
      );
      await page.getByRole('button', { name: 'Gallery', exact: true }).click();
      const items = page.getByRole('dialog', { name: 'Gallery' }).locator('.kg-gallery-item');
      await expect.poll(() => items.count()).toBe(2);
      expect(await items.nth(1).locator('.kg-gallery-seed').textContent()).toBe('seed 42');
      expect(await items.nth(0).locator('.kg-gallery-seed').textContent()).toBe('seed 43');
      // Each sampler's picture changed with the primitive's seed (a sampler on its own fixed seed would repeat).
      const thumbs = async (i: number) =>
        items
          .nth(i)
          .locator('.kg-gallery-thumbs img')
          .evaluateAll((els) => els.map((el) => el.getAttribute('src')));
      await expect.poll(async () => (await thumbs(0)).length).toBe(2);
      const [second, first] = [await thumbs(0), await thumbs(1)];
      expect(first).toHaveLength(2);
      expect(second[0]).not.toBe(first[0]);
      expect(second[1]).not.toBe(first[1]);
      await page.keyboard.press('Escape');
      // After the batch the primitive is back at 42 (fixed), and the samplers' stored seeds never moved.
      const after = JSON.parse((await exportedJson(page)).text) as typeof saved;
      expect(after.nodes.find((n) => n.id === 'seed')?.params.seed).toBe(42);
      expect(after.nodes.find((n) => n.id === 'sampler_sd')?.params.seed).toBe(stored);

      // Back to a widget: the wire goes, the stored seed shows again.
      await kosmos.getByRole('button', { name: 'Convert Seed to widget' }).click();
      await expect
        .poll(() => kosmos.locator('[data-param="seed"] input[type="number"]').inputValue())
        .toBe('7');
      expect(await handle(page, 'sampler_kosmos', 'seed', 'target').count()).toBe(0);
      expect(errors).toEqual([]);
    }));
});
