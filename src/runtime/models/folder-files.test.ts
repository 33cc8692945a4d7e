import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../../scripts/pack/ensure';
import type { PackLoadProgress } from '../host-types';
import { createFileHashCache } from '../node/file-hash-cache';
import { nodeFolderReader } from '../node/node-folder';
import { REFERENCE_PACK_DIR } from '../node/node-model-services';
import { blobFolderReader, checkpointHashedFiles } from './blob-folder';
import { openCheckpoint } from './checkpoint/open-checkpoint';
import type { PackFile } from './file-pack';
import { folderEntries, openFolderFiles } from './folder-files';
import { memoryModelStore } from './model-store';

const OPTIMUM = resolve('test/fixtures/sd15/optimum');
const DIFFUSERS = resolve('test/fixtures/sd15/diffusers-onnx');

/** A folder as a browser's folder picker gives it: paths under the folder's name, Blobs, dates. */
function pickedFiles(dir: string, folderName: string): PackFile[] {
  const out: PackFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else
        out.push({
          path: `${folderName}/${relative(dir, path).split('\\').join('/')}`,
          data: new Blob([readFileSync(path)]),
          lastModified: Math.round(info.mtimeMs),
        });
    }
  };
  walk(dir);
  return out;
}

const folderCheckpoint = (dir: string) =>
  openCheckpoint(
    nodeFolderReader(dir, createFileHashCache(join(mkdtempSync(join(tmpdir(), 'kg-hash-')), 'sha256.json'))),
    dir,
    new AbortController().signal,
  );

describe('a picked checkpoint folder (Blobs, hashed by streaming)', () => {
  beforeAll(async () => {
    await ensureReferencePack();
  });

  it.each([
    ['optimum', OPTIMUM, 'optimum-onnx'],
    ['diffusers-onnx', DIFFUSERS, 'diffusers-onnx'],
  ] as const)('opens %s like the folder on disk, with progress per file', async (name, dir, layout) => {
    const progress: PackLoadProgress[] = [];
    const pack = await openFolderFiles(name, pickedFiles(dir, name), { onProgress: (p) => progress.push(p) });
    const onDisk = await folderCheckpoint(dir);
    expect(pack.source).toBe(`folder:${name}`);
    expect(pack.models.layout).toBe(layout);
    expect(pack.id).toBe(onDisk.id);
    expect(pack.models.components).toEqual(onDisk.models.components);
    expect(pack.models.constants).toEqual(onDisk.models.constants);
    const unet = pack.models.components.unet!;
    const bytes = await pack.readFile(unet.file);
    expect(Buffer.from(bytes).equals(readFileSync(join(dir, unet.file)))).toBe(true);
    expect(pack.fileSize?.(unet.externalData![0]!.file)).toBe(
      statSync(join(dir, unet.externalData![0]!.file)).size,
    );
    // One completion event per hashed file, counting up to the total it announced.
    const completions = progress.filter((p) => p.bytesDone === undefined);
    const total = checkpointHashedFiles([...folderEntries(pickedFiles(dir, name)).keys()]).length;
    expect(completions.map((p) => p.done)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(completions.every((p) => p.total === total)).toBe(true);
    expect(new Set(completions.map((p) => p.file))).toContain('unet/model.onnx');
  });

  it('remembers hashes by path, size and date: a second open hashes nothing', async () => {
    const store = memoryModelStore();
    const files = pickedFiles(OPTIMUM, 'optimum');
    const first = blobFolderReader('optimum', folderEntries(files), { store });
    const a = await openCheckpoint(first, 'folder:optimum', new AbortController().signal);
    expect(first.hashed).toBeGreaterThanOrEqual(7);
    const second = blobFolderReader('optimum', folderEntries(files), { store });
    const b = await openCheckpoint(second, 'folder:optimum', new AbortController().signal);
    expect(second.hashed).toBe(0);
    expect(b.id).toBe(a.id);
    // A file whose date changed is hashed again.
    const touched = files.map((f) =>
      f.path.endsWith('unet/model.onnx_data') ? { ...f, lastModified: (f.lastModified ?? 0) + 1000 } : f,
    );
    const third = blobFolderReader('optimum', folderEntries(touched), { store });
    await openCheckpoint(third, 'folder:optimum', new AbortController().signal);
    expect(third.hashed).toBe(1);
  });

  it('opens a pack folder as a pack, and says what it expected of anything else', async () => {
    const pack = await openFolderFiles('shapes-world', pickedFiles(REFERENCE_PACK_DIR, 'shapes-world'));
    expect(pack.models.layout).toBe('kosmograph-pack');
    expect(pack.source).toBe('folder:shapes-world');

    const photos = [{ path: 'holiday/a.jpg', data: new Blob([new Uint8Array(4)]) }];
    await expect(openFolderFiles('holiday', photos)).rejects.toThrow(
      /^holiday: not a model folder kosmograph knows: expected a kosmograph pack \(manifest\.json\), or a Stable Diffusion ONNX export: model_index\.json/,
    );
    const noUnet = pickedFiles(OPTIMUM, 'optimum').filter((f) => !f.path.startsWith('optimum/unet/'));
    await expect(openFolderFiles('optimum', noUnet)).rejects.toThrow(/unet\/model\.onnx is missing/);
    const pytorch = [
      { path: 'sd/model_index.json', data: new Blob(['{}']) },
      { path: 'sd/unet/diffusion_pytorch_model.safetensors', data: new Blob([new Uint8Array(8)]) },
    ];
    await expect(openFolderFiles('sd', pytorch)).rejects.toThrow(/optimum-cli export onnx/);
  });

  it('names the file when a picked file is damaged', async () => {
    const files = pickedFiles(OPTIMUM, 'optimum').map((f) =>
      f.path.endsWith('scheduler/scheduler_config.json')
        ? { ...f, data: new Blob(['{"beta_schedule": ']) }
        : f,
    );
    await expect(openFolderFiles('optimum', files)).rejects.toThrow(
      /optimum\/scheduler\/scheduler_config\.json: not valid JSON/,
    );
  });

  it('takes paths with or without the folder name in front', () => {
    const blob = new Blob(['x']);
    expect([
      ...folderEntries([
        { path: 'm/model_index.json', data: blob },
        { path: 'm/unet/model.onnx', data: blob },
      ]).keys(),
    ]).toEqual(['model_index.json', 'unet/model.onnx']);
    expect([
      ...folderEntries([
        { path: './model_index.json', data: blob },
        { path: 'unet/model.onnx', data: blob },
      ]).keys(),
    ]).toEqual(['model_index.json', 'unet/model.onnx']);
  });
});
