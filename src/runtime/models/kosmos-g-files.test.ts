import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recogniseLayout } from './checkpoint/recognise';
import type { PackFile } from './file-pack';
import { openFolderFiles } from './folder-files';

const ENCODER = resolve('test/fixtures/kosmos-g/encoder');

/** The fixture encoder as a folder picker gives it: paths under the folder's name. */
function picked(change?: (path: string, bytes: Uint8Array) => Uint8Array): PackFile[] {
  const out: PackFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const path = `encoder/${relative(ENCODER, full)}`;
        const bytes = new Uint8Array(readFileSync(full));
        out.push({ path, data: new Blob([Uint8Array.from(change ? change(path, bytes) : bytes)]) });
      }
    }
  };
  walk(ENCODER);
  return out;
}

describe('Kosmos-G encoder folders picked in the browser', () => {
  it('are recognised by kosmos-g.json and open with their Kosmos-G constants, every file sha256-checked', async () => {
    expect(recogniseLayout(['kosmos-g.json', 'mllm/model.onnx'])).toEqual({
      ok: true,
      layout: 'kosmos-g-encoder',
    });
    const progress: string[] = [];
    const handle = await openFolderFiles('encoder', picked(), { onProgress: (p) => progress.push(p.file) });
    expect(handle.models.layout).toBe('kosmos-g-encoder');
    expect(handle.models.kosmos?.imageTokensPerImage).toBe(64);
    expect(handle.models.kosmos?.conditioningWidth).toBe(32);
    expect(handle.models.components.unet).toBeUndefined();
    expect(new Set(progress)).toEqual(
      new Set(['vision/model.onnx', 'mllm/model.onnx', 'aligner/model.onnx', 'tokenizer.json']),
    );
    const bytes = await handle.readFile('mllm/model.onnx');
    expect(bytes).toEqual(new Uint8Array(readFileSync(join(ENCODER, 'mllm/model.onnx'))));
  });

  it('refuse a changed model file, naming it', async () => {
    const files = picked((path, bytes) =>
      path.endsWith('aligner/model.onnx') ? bytes.map((b, i) => (i === 99 ? b ^ 1 : b)) : bytes,
    );
    await expect(openFolderFiles('encoder', files)).rejects.toThrow(
      /encoder\/aligner\/model\.onnx: sha256 mismatch for component aligner/,
    );
  });
});
