import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG_GRAPH_KEYWORD, serializePngPayload } from '../../src/core/graph-png';
import { writePngITXtChunks } from '../../src/core/png-metadata';
import { appUrl, withPage } from './browser-env';
import { dropFile, exportedJson, nodeBox, openEditor, pasteFile } from './editor-helpers';

const IMAGES = resolve(import.meta.dirname, '../../public/examples/images');
const bluePng = new Uint8Array(readFileSync(resolve(IMAGES, 'blue-square.png')));
const yellowPng = new Uint8Array(readFileSync(resolve(IMAGES, 'yellow-triangle.png')));

/** Issue 15 item 6: images dropped or pasted on the canvas, checked when chosen. */
describe('editor images', () => {
  it('drop or paste an image: a Load Image node with its name and size; a bad file is refused, named', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.getByRole('button', { name: 'New', exact: true }).click();
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(0);
      const pane = page.locator('.react-flow__pane');
      const box = await pane.boundingBox();
      if (!box) throw new Error('no canvas');

      // A plain PNG dropped on the canvas is an image: a Load Image node where it was dropped.
      await dropFile(
        page,
        pane,
        { name: 'blue-square.png', mimeType: 'image/png', bytes: bluePng },
        {
          x: box.x + 200,
          y: box.y + 150,
        },
      );
      await expect.poll(() => nodeBox(page, 'load').count()).toBe(1);
      const field = nodeBox(page, 'load').getByLabel('Image', { exact: true });
      await expect
        .poll(() => field.inputValue())
        .toMatch(/^blue-square\.png · \d+(\.\d)? (B|KiB) · 128×128$/);
      const placed = await nodeBox(page, 'load').boundingBox();
      expect(box.x + 200).toBeGreaterThanOrEqual(placed!.x - 100);
      expect(box.x + 200).toBeLessThanOrEqual(placed!.x + placed!.width);

      // A pasted image too.
      await pasteFile(page, { name: 'yellow-triangle.png', mimeType: 'image/png', bytes: yellowPng });
      await expect.poll(() => nodeBox(page, 'load_2').count()).toBe(1);
      await expect
        .poll(() => nodeBox(page, 'load_2').getByLabel('Image', { exact: true }).inputValue())
        .toMatch(/^yellow-triangle\.png · /);

      // A text file renamed .png is refused at once, naming it; the node keeps its image.
      await nodeBox(page, 'load')
        .getByLabel('Choose an image for load')
        .setInputFiles({
          name: 'notes.png',
          mimeType: 'image/png',
          buffer: Buffer.from('hello, these are notes'),
        });
      await expect
        .poll(() => page.locator('.kg-notice').textContent())
        .toMatch(/notes\.png is not a PNG or JPEG image \(it starts with "hello, these are/);
      await expect.poll(() => field.inputValue()).toMatch(/^blue-square\.png/);
      // Dropping it on the canvas is refused the same way (no node is added).
      await dropFile(
        page,
        pane,
        { name: 'notes.png', mimeType: 'image/png', bytes: new TextEncoder().encode('{"x":') },
        {
          x: box.x + 400,
          y: box.y + 300,
        },
      );
      await expect.poll(() => page.locator('.kg-notice').textContent()).toMatch(/notes\.png/);
      expect(await page.locator('.react-flow__node').count()).toBe(2);

      // The exported graph embeds the image (it runs anywhere).
      const exported = JSON.parse((await exportedJson(page)).text) as {
        nodes: { id: string; params: { image?: string } }[];
      };
      expect(exported.nodes.find((n) => n.id === 'load')?.params.image).toMatch(/^data:image\/png;base64,/);

      // A PNG that carries a graph still opens that graph.
      const graph = JSON.parse(readFileSync(resolve(IMAGES, '../text-to-image.json'), 'utf8'));
      const withGraph = writePngITXtChunks(bluePng, [
        { keyword: PNG_GRAPH_KEYWORD, text: serializePngPayload({ graph, seeds: {}, models: {} }) },
      ]);
      await dropFile(
        page,
        pane,
        { name: 'made.png', mimeType: 'image/png', bytes: withGraph },
        {
          x: box.x + 300,
          y: box.y + 200,
        },
      );
      await expect.poll(() => page.locator('.react-flow__node').count()).toBe(graph.nodes.length);
      expect(await nodeBox(page, 'load').count()).toBe(0);
      await expect
        .poll(() => page.locator('.kg-notice').textContent())
        .toMatch(/graph inside made\.png.*Load Image node/s);
      expect(errors).toEqual([]);
    }));
});
