/**
 * Opens a Kosmos-G encoder folder from files the user picked (the browser's folder picker): reads and
 * validates `kosmos-g.json`, streams every listed file through sha256 (never read whole) and checks it,
 * reporting progress per file. Any failure throws a PackError naming the file, before a handle exists.
 * Files stay Blobs; `readFile` reads one again when its model loads.
 */

import { jsonErrorWhere } from '../../core/json-error';
import type { PackLoadProgress } from '../host-types';
import { PackError } from '../pack/manifest';
import { folderPackSource, type PackFile } from './file-pack';
import {
  KOSMOS_G_MANIFEST,
  kosmosGFiles,
  loadKosmosGManifest,
  modelSetFromKosmosG,
} from './kosmos-g-encoder';
import type { PackHandle } from './pack-handle';
import { sha256OfBlob } from './stream-sha256';
import { sha256Hex } from './url-pack';

export async function openKosmosGFromFiles(
  name: string,
  files: readonly PackFile[],
  onProgress?: (progress: PackLoadProgress) => void,
): Promise<PackHandle> {
  const byPath = new Map<string, Blob>();
  for (const file of files) byPath.set(file.path.replace(/^\.?\//, ''), file.data);
  const manifestPath = [...byPath.keys()].find(
    (p) => p === KOSMOS_G_MANIFEST || (p.endsWith(`/${KOSMOS_G_MANIFEST}`) && p.split('/').length === 2),
  );
  const where = `${name}/${KOSMOS_G_MANIFEST}`;
  if (!manifestPath) throw new PackError(where, 'Kosmos-G encoder manifest not found in the chosen folder');
  const prefix = manifestPath.slice(0, -KOSMOS_G_MANIFEST.length);
  const manifestBytes = new Uint8Array(await byPath.get(manifestPath)!.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    throw new PackError(where, `not valid JSON: it ${jsonErrorWhere(error)}`);
  }
  const manifest = loadKosmosGManifest(json, where);
  const listed = kosmosGFiles(manifest);
  const blobs = new Map<string, Blob>();
  let done = 0;
  for (const entry of listed) {
    const blob = byPath.get(prefix + entry.file);
    if (!blob)
      throw new PackError(`${name}/${entry.file}`, `file of component ${entry.component} is missing`);
    const actual = await sha256OfBlob(blob, {
      onBytes: (bytesDone) =>
        onProgress?.({ file: entry.file, done, total: listed.length, bytesDone, bytesTotal: blob.size }),
    });
    if (actual !== entry.sha256) {
      throw new PackError(
        `${name}/${entry.file}`,
        `sha256 mismatch for component ${entry.component}: ${KOSMOS_G_MANIFEST} says ${entry.sha256}, file has ${actual}`,
      );
    }
    blobs.set(entry.file, blob);
    done += 1;
    onProgress?.({ file: entry.file, done, total: listed.length });
  }
  return {
    source: folderPackSource(name),
    id: await sha256Hex(manifestBytes),
    models: modelSetFromKosmosG(manifest, folderPackSource(name)),
    async readFile(file) {
      const blob = blobs.get(file);
      if (!blob) throw new Error(`${file} is not listed in ${where}`);
      return new Uint8Array(await blob.arrayBuffer());
    },
    fileSize: (file) => blobs.get(file)?.size,
  };
}
