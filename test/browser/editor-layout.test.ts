import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appUrl, withPage } from './browser-env';
import { canvasZoom, nodeBox, openEditor } from './editor-helpers';

/** Issue 15 item 2: a readable first screen at laptop sizes. */

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

async function box(page: Page, selector: string): Promise<Box> {
  const b = await page.locator(selector).first().boundingBox();
  if (!b) throw new Error(`${selector} is not visible`);
  return b;
}

/** Opens the first screen and checks what every size must hold; returns the canvas box. */
async function checkFirstScreen(page: Page): Promise<Box> {
  await openEditor(page);
  await expect.poll(() => page.locator('.react-flow__node').count()).toBe(9);
  // The fit waits for measured nodes: poll until the view settles on a readable zoom.
  await expect.poll(() => canvasZoom(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(0.75);
  expect(await canvasZoom(page)).toBeLessThanOrEqual(1);
  // The main path's output end (Sampler -> VAE Decode -> Save Image) is in view, whole.
  const canvas = await box(page, '.kg-canvas');
  for (const id of ['sampler', 'decode', 'save']) {
    const node = await nodeBox(page, id).boundingBox();
    expect(node, id).not.toBeNull();
    expect(node!.x, id).toBeGreaterThanOrEqual(canvas.x - 1);
    expect(node!.x + node!.width, id).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
    expect(node!.y + node!.height, id).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
  }
  // The toolbar is one row: every item starts on the first line.
  const toolbar = await box(page, '.kg-toolbar');
  expect(toolbar.height).toBeLessThan(50);
  const tops = await page
    .locator('.kg-toolbar > *:not([hidden])')
    .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().top));
  expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(12);
  // ... and none is pushed off the end: the last one (help) is in the window.
  const help = await page.getByRole('button', { name: 'Keyboard shortcuts' }).boundingBox();
  expect(help!.x + help!.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  // The socket-types legend, opened, keeps clear of the zoom controls and the minimap.
  await page.locator('.kg-legend summary').click();
  const legend = await box(page, '.kg-legend');
  expect(overlaps(legend, await box(page, '.react-flow__controls'))).toBe(false);
  expect(overlaps(legend, await box(page, '.react-flow__minimap'))).toBe(false);
  return canvas;
}

describe('editor layout', () => {
  it('at 1280x800: readable zoom, one-row toolbar, legend clear of the controls, both side panels', () =>
    withPage(
      appUrl('/'),
      async (page, { errors }) => {
        await checkFirstScreen(page);
        expect(await page.locator('.kg-palette').isVisible()).toBe(true);
        expect(await page.locator('.kg-inspector').isVisible()).toBe(true);
        expect(await page.getByRole('button', { name: 'Show or hide the node palette' }).isVisible()).toBe(
          false,
        );
        expect(errors).toEqual([]);
      },
      { viewport: { width: 1280, height: 800 } },
    ));

  it('at 1000x700: the side panels collapse (the canvas keeps the width) and open on demand', () =>
    withPage(
      appUrl('/'),
      async (page, { errors }) => {
        const canvas = await checkFirstScreen(page);
        expect(canvas.width).toBeGreaterThanOrEqual(990);
        expect(await page.locator('.kg-palette').isVisible()).toBe(false);
        expect(await page.locator('.kg-inspector').isVisible()).toBe(false);
        await page.getByRole('button', { name: 'Show or hide the node palette' }).click();
        await expect.poll(() => page.locator('.kg-palette').isVisible()).toBe(true);
        await page.getByRole('button', { name: 'Add Preview Image', exact: true }).click();
        await expect.poll(() => page.locator('.react-flow__node').count()).toBe(10);
        await page.getByRole('button', { name: 'Show or hide the inspector' }).click();
        await expect.poll(() => page.locator('.kg-inspector').isVisible()).toBe(true);
        expect(await page.locator('.kg-palette').isVisible()).toBe(false);
        expect(errors).toEqual([]);
      },
      { viewport: { width: 1000, height: 700 } },
    ));
});
