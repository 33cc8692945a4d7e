import type { Locator, Page } from 'playwright-core';

/** UI helpers for the editor end-to-end tests: everything goes through what a user sees. */

export async function openEditor(page: Page): Promise<void> {
  await page.waitForSelector('[data-ready="true"]', { timeout: 30_000 });
}

export const nodeBox = (page: Page, id: string): Locator =>
  page.locator(`.react-flow__node[data-id="${id}"]`);

export const handle = (page: Page, node: string, port: string, side: 'source' | 'target'): Locator =>
  page.locator(`.react-flow__handle.${side}[data-nodeid="${node}"][data-handleid="${port}"]`);

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a wire from `from` to a point (a handle or empty canvas) with the mouse. */
export async function dragTo(page: Page, from: Locator, to: { x: number; y: number }): Promise<void> {
  const a = await centre(from);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + to.x) / 2, (a.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

export async function wire(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  await dragTo(
    page,
    handle(page, from[0], from[1], 'source'),
    await centre(handle(page, to[0], to[1], 'target')),
  );
}

export const edge = (page: Page, from: [string, string], to: [string, string]): Locator =>
  page.locator(`.react-flow__edge[data-id="${from[0]}.${from[1]}->${to[0]}.${to[1]}"]`);

/** Clicks a link that downloads a file and returns the file's bytes. */
export async function downloadBytes(
  page: Page,
  trigger: () => Promise<void>,
): Promise<{ name: string; bytes: Uint8Array }> {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
  // The browser is remote (the global setup's server): stream the file over.
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { name: download.suggestedFilename(), bytes: new Uint8Array(Buffer.concat(chunks)) };
}

export async function exportedJson(page: Page): Promise<{ name: string; text: string }> {
  const { name, bytes } = await downloadBytes(page, () =>
    page.getByRole('button', { name: 'Export' }).click(),
  );
  return { name, text: new TextDecoder().decode(bytes) };
}
