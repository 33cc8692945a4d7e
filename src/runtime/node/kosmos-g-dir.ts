/**
 * Opens a Kosmos-G encoder folder headless (kosmos-g.json, from `kosmograph-export kosmos-g`): the manifest
 * validated, every listed file's sha256 streamed and compared before the handle exists, files read when a
 * node needs them and sessions opened by path (as kosmograph packs are, node-model-services.ts).
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonErrorWhere } from '../../core/json-error';
import {
  KOSMOS_G_MANIFEST,
  kosmosGFiles,
  loadKosmosGManifest,
  modelSetFromKosmosG,
} from '../models/kosmos-g-encoder';
import type { PackHandle } from '../models/pack-handle';
import { PackError } from '../pack/manifest';

/** How the host reads the folder's files (its hash memory and file policy stay the host's). */
export interface KosmosGDirFiles {
  /** The whole file (the manifest). */
  readFile(path: string): Promise<Uint8Array>;
  /** The file's sha256, streamed. */
  sha256(path: string, signal: AbortSignal): Promise<string>;
  /** `length` bytes at `offset` (all of it without `length`) of a file whose sha256 was checked. */
  read(path: string, offset?: number, length?: number): Promise<Uint8Array>;
}

/** Whether `dir` holds a Kosmos-G encoder manifest. */
export async function isKosmosGDir(dir: string): Promise<boolean> {
  return stat(join(dir, KOSMOS_G_MANIFEST)).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function openKosmosGDir(
  dir: string,
  files: KosmosGDirFiles,
  signal: AbortSignal,
): Promise<PackHandle> {
  const manifestPath = join(dir, KOSMOS_G_MANIFEST);
  const manifestBytes = Buffer.from(await files.readFile(manifestPath));
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch (e) {
    throw new PackError(manifestPath, `not valid JSON: it ${jsonErrorWhere(e)}`);
  }
  const manifest = loadKosmosGManifest(json, manifestPath);
  const paths = new Map<string, string>();
  const sizes = new Map<string, number>();
  for (const entry of kosmosGFiles(manifest)) {
    const path = join(dir, entry.file);
    let actual: string;
    try {
      actual = await files.sha256(path, signal);
      sizes.set(entry.file, (await stat(path)).size);
    } catch (error) {
      signal.throwIfAborted();
      throw new PackError(
        path,
        `file of component ${entry.component} is missing or unreadable (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (actual !== entry.sha256) {
      throw new PackError(
        path,
        `sha256 mismatch for component ${entry.component}: ${KOSMOS_G_MANIFEST} says ${entry.sha256}, file has ${actual}`,
      );
    }
    paths.set(entry.file, path);
  }
  const listed = (file: string) => {
    const path = paths.get(file);
    if (!path) throw new Error(`${file} is not listed in ${manifestPath}`);
    return path;
  };
  return {
    source: dir,
    id: createHash('sha256').update(manifestBytes).digest('hex'),
    models: modelSetFromKosmosG(manifest, dir),
    readFile: (file) => files.read(listed(file)),
    localPath: (file) => paths.get(file),
    fileSize: (file) => sizes.get(file),
    readRange: (file, offset, length) => files.read(listed(file), offset, length),
  };
}
