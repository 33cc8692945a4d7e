/**
 * Issue 14, item 3 (integrity): weights swapped after the sha256 check are refused, whether
 * onnxruntime-node opens the model by path, a node reads its bytes, or a later start would have
 * trusted the remembered hash (same size and mtime). The identity compared is device, inode,
 * size and mtime (docs/decisions.md: ctime is left out because of the LoRA merge's hard links).
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { withSession } from '../../src/runtime/models/model-services';
import { requireComponent } from '../../src/runtime/models/model-set';
import { createFileHashCache } from '../../src/runtime/node/file-hash-cache';
import { chooseNodeBackend } from '../../src/runtime/node/node-backends';
import { createNodeModelServices, REFERENCE_PACK_DIR } from '../../src/runtime/node/node-model-services';
import type { OrtBackend } from '../../src/runtime/ort/model-session';

const signal = new AbortController().signal;
let backend: OrtBackend;

beforeAll(async () => {
  await ensureReferencePack(REFERENCE_PACK_DIR);
  backend = (await chooseNodeBackend('cpu')).backend;
});

/** A private copy of the reference pack and a fresh hash memory. */
function packCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'kg-swap-'));
  const pack = join(dir, 'pack');
  cpSync(REFERENCE_PACK_DIR, pack, { recursive: true });
  return { pack, hashFile: join(dir, 'sha256.json') };
}

/** The file's bytes with one byte changed (same size). */
function tampered(path: string): Buffer {
  const bytes = readFileSync(path);
  const at = bytes.length >> 1;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  return bytes;
}

/** Rewrites a file in place with one byte changed, keeping its size (its mtime moves). */
function tamperInPlace(path: string) {
  const before = statSync(path).mtimeMs;
  writeFileSync(path, tampered(path));
  if (statSync(path).mtimeMs === before) utimesSync(path, new Date(), new Date(before + 1000));
}

/** Replaces a file by rename with a tampered copy carrying its old size and mtime exactly. */
function swapKeepingDates(path: string) {
  const { atime, mtime } = statSync(path);
  writeFileSync(`${path}.evil`, tampered(path));
  utimesSync(`${path}.evil`, atime, mtime);
  renameSync(`${path}.evil`, path);
}

describe('weights swapped after the sha256 check', () => {
  it('a model onnxruntime-node opens by path is refused naming the file', async () => {
    const { pack, hashFile } = packCopy();
    const services = createNodeModelServices({ backend, hashes: createFileHashCache(hashFile) });
    const handle = await services.openPack(pack, signal);
    const component = requireComponent(handle.models, 'vae_decoder');
    tamperInPlace(join(pack, component.file));
    await expect(
      withSession(services, { pack: handle, name: 'vae_decoder', component }, async () => 'used'),
    ).rejects.toThrow(/vae_decoder[/\\]model\.onnx changed after its sha256 was checked/);
  });

  it('a file replaced by rename (a new inode) is refused as well', async () => {
    const { pack, hashFile } = packCopy();
    const services = createNodeModelServices({ backend, hashes: createFileHashCache(hashFile) });
    const handle = await services.openPack(pack, signal);
    const component = requireComponent(handle.models, 'unet');
    swapKeepingDates(join(pack, component.file));
    await expect(
      withSession(services, { pack: handle, name: 'unet', component }, async () => 'used'),
    ).rejects.toThrow(/changed after its sha256 was checked/);
  });

  it('bytes a node reads are the verified bytes, or an error', async () => {
    const { pack, hashFile } = packCopy();
    const services = createNodeModelServices({ backend, hashes: createFileHashCache(hashFile) });
    const handle = await services.openPack(pack, signal);
    const file = requireComponent(handle.models, 'text_encoder').file;
    expect((await handle.readFile(file)).length).toBe(statSync(join(pack, file)).size);
    tamperInPlace(join(pack, file));
    await expect(handle.readFile(file)).rejects.toThrow(/changed after its sha256 was checked/);
  });

  it('the next start does not trust a remembered hash for a file swapped in with its old size and mtime', async () => {
    const { pack, hashFile } = packCopy();
    const target = join(pack, 'vae_decoder', 'model.onnx');
    utimesSync(target, 1_700_000_000, 1_700_000_000); // whole seconds: the tampered copy keeps it exactly
    const first = createNodeModelServices({ backend, hashes: createFileHashCache(hashFile) });
    const handle = await first.openPack(pack, signal);
    expect(requireComponent(handle.models, 'vae_decoder').file).toBe('vae_decoder/model.onnx');
    swapKeepingDates(target);
    expect(statSync(target).mtimeMs).toBe(1_700_000_000_000);
    const next = createNodeModelServices({ backend, hashes: createFileHashCache(hashFile) });
    await expect(next.openPack(pack, signal)).rejects.toThrow(/sha256 mismatch for component vae_decoder/);
  });

  it('an untouched pack still loads its sessions', async () => {
    const { pack, hashFile } = packCopy();
    const services = createNodeModelServices({ backend, hashes: createFileHashCache(hashFile) });
    const handle = await services.openPack(pack, signal);
    const component = requireComponent(handle.models, 'vae_decoder');
    await expect(
      withSession(services, { pack: handle, name: 'vae_decoder', component }, async (s) => s.inputs.length),
    ).resolves.toBeGreaterThan(0);
  });
});
