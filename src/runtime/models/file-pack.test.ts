import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../../scripts/pack/ensure';
import { REFERENCE_PACK_DIR } from '../node/node-model-services';
import { manifestFiles } from '../pack/manifest';
import { openPackFromFiles, type PackFile } from './file-pack';

function filesUnder(dir: string, folderName: string): PackFile[] {
  const out: PackFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ path: `${folderName}/${relative(dir, path)}`, data: new Blob([readFileSync(path)]) });
    }
  };
  walk(dir);
  return out;
}

describe('openPackFromFiles (a picked folder)', () => {
  beforeAll(async () => {
    await ensureReferencePack();
  });

  it('verifies every file with progress and reads models back', async () => {
    const progress: number[] = [];
    const pack = await openPackFromFiles(
      'shapes-world',
      filesUnder(REFERENCE_PACK_DIR, 'shapes-world'),
      // One completion per file (large files also report bytes hashed on the way).
      (p) => p.bytesDone === undefined && progress.push(p.done),
    );
    const total = manifestFiles(pack.models.pack!).length;
    expect(progress).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(pack.source).toBe('folder:shapes-world');
    const unet = await pack.readFile(pack.models.components.unet!.file);
    expect(unet).toEqual(
      new Uint8Array(readFileSync(join(REFERENCE_PACK_DIR, pack.models.components.unet!.file))),
    );
  });

  it('names the file when one is missing, altered, or the manifest is absent', async () => {
    const files = filesUnder(REFERENCE_PACK_DIR, 'p');
    const without = files.filter((f) => !f.path.endsWith('vae_decoder/model.onnx'));
    await expect(openPackFromFiles('p', without)).rejects.toThrow(
      /p\/vae_decoder\/model\.onnx: file of component vae_decoder is missing/,
    );
    const altered = files.map((f) =>
      f.path.endsWith('unet/model.onnx') ? { ...f, data: new Blob([new Uint8Array(8)]) } : f,
    );
    await expect(openPackFromFiles('p', altered)).rejects.toThrow(/p\/unet\/model\.onnx: sha256 mismatch/);
    await expect(
      openPackFromFiles(
        'p',
        files.filter((f) => !f.path.endsWith('manifest.json')),
      ),
    ).rejects.toThrow(/p\/manifest\.json: pack manifest not found/);
  });
});
