import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateReferencePack } from '../../scripts/pack/generate';
import { loadPackFromDir } from '../../src/runtime/pack/load-pack';
import { loadManifest, manifestFiles } from '../../src/runtime/pack/manifest';

let source = '';
beforeAll(async () => {
  source = join(mkdtempSync(join(tmpdir(), 'kosmograph-load-')), 'pack');
  await generateReferencePack(source);
});

/** A fresh copy of the generated pack to break. */
async function copyPack(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'kosmograph-bad-')), 'pack');
  await generateReferencePack(dir);
  return dir;
}

describe('loadPackFromDir', () => {
  it('loads a good pack with every file verified', async () => {
    const pack = await loadPackFromDir(source);
    expect(pack.manifest.name).toBe('shapes-world');
    for (const f of manifestFiles(pack.manifest)) expect(pack.bytes.get(f.file)?.length).toBeGreaterThan(0);
  });

  it('names manifest.json when it is missing', async () => {
    const dir = await copyPack();
    await rm(join(dir, 'manifest.json'));
    await expect(loadPackFromDir(dir)).rejects.toThrow(/manifest\.json: pack manifest not found/);
  });

  it('names manifest.json when it is not JSON', async () => {
    const dir = await copyPack();
    await writeFile(join(dir, 'manifest.json'), '{ not json');
    await expect(loadPackFromDir(dir)).rejects.toThrow(/manifest\.json: not valid JSON/);
  });

  it('names the field when the manifest does not match the schema', async () => {
    const dir = await copyPack();
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    delete m.components.unet.sha256;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    await expect(loadPackFromDir(dir)).rejects.toThrow(
      /manifest\.json: invalid pack manifest: components\.unet\.sha256/,
    );
  });

  it('names a listed file that is absent', async () => {
    const dir = await copyPack();
    await rm(join(dir, 'vae_decoder/model.onnx'));
    await expect(loadPackFromDir(dir)).rejects.toThrow(
      /vae_decoder\/model\.onnx: file of component vae_decoder is missing/,
    );
  });

  it('names a file whose sha256 does not match', async () => {
    const dir = await copyPack();
    const path = join(dir, 'loras/pastel.safetensors');
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    await writeFile(path, bytes);
    await expect(loadPackFromDir(dir)).rejects.toThrow(
      /loras\/pastel\.safetensors: sha256 mismatch for component loras\.pastel/,
    );
  });

  it('rejects file paths that leave the pack', async () => {
    const m = JSON.parse(await readFile(join(source, 'manifest.json'), 'utf8'));
    m.components.unet.file = '../elsewhere/model.onnx';
    expect(() => loadManifest(m, 'x/manifest.json')).toThrow(
      /x\/manifest\.json: invalid pack manifest: components\.unet\.file: must be a relative path inside the pack/,
    );
  });
});
