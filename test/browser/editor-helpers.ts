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

/** Runs a command from the toolbar's More menu (Save As, Rename, Auto layout, Fit view, Copy share link). */
export async function moreCommand(page: Page, name: string): Promise<void> {
  await page.locator('.kg-toolbar summary', { hasText: 'More' }).click();
  await page.getByRole('list', { name: 'More commands' }).getByRole('button', { name }).click();
}

/** The canvas zoom (React Flow's viewport transform). */
export async function canvasZoom(page: Page): Promise<number> {
  const transform = await page
    .locator('.react-flow__viewport')
    .evaluate((el) => getComputedStyle(el).transform);
  const match = /matrix\(([-\d.e]+)/.exec(transform);
  if (!match) throw new Error(`no zoom in ${transform}`);
  return Number(match[1]);
}

export interface FileForPage {
  readonly name: string;
  readonly mimeType: string;
  readonly bytes: Uint8Array;
}

/** Drops a file on an element at a point, as the browser does for a file dragged from the desktop. */
export async function dropFile(page: Page, target: Locator, file: FileForPage, at: { x: number; y: number }) {
  const data = await page.evaluateHandle(
    ({ name, mimeType, bytes }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
      return transfer;
    },
    { name: file.name, mimeType: file.mimeType, bytes: [...file.bytes] },
  );
  await target.dispatchEvent('dragover', { dataTransfer: data, clientX: at.x, clientY: at.y });
  await target.dispatchEvent('drop', { dataTransfer: data, clientX: at.x, clientY: at.y });
}

/** Pastes a file (e.g. an image copied in another app) as the browser's paste event carries it. */
export async function pasteFile(page: Page, file: FileForPage): Promise<void> {
  await page.evaluate(
    ({ name, mimeType, bytes }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], name, { type: mimeType }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true }));
    },
    { name: file.name, mimeType: file.mimeType, bytes: [...file.bytes] },
  );
}

/** Fits every node in view (More > Fit view): a graph opens showing its main path only when it is long. */
export async function fitAll(page: Page): Promise<void> {
  await moreCommand(page, 'Fit view');
  await page.waitForTimeout(200);
}

/** Pairs of nodes whose boxes on the canvas overlap (`a+b`), from what the browser laid out. */
export async function overlappingNodes(page: Page): Promise<string[]> {
  return page.locator('.react-flow__node').evaluateAll((els) => {
    const boxes = els.map((el) => ({ id: el.getAttribute('data-id') ?? '?', r: el.getBoundingClientRect() }));
    const out: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.r;
        const b = boxes[j]!.r;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
          out.push(`${boxes[i]!.id}+${boxes[j]!.id}`);
        }
      }
    }
    return out;
  });
}
