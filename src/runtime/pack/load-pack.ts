/**
 * Loads a model pack from a local folder (Node): reads and validates manifest.json, then checks
 * that every listed file exists and matches its sha256. Any failure throws a PackError naming the
 * file, before anything is returned, so nothing runs on a half-loaded pack.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { jsonErrorWhere } from '../../core/json-error';
import { loadManifest, manifestFiles, PackError, type PackManifest } from './manifest';

export interface LoadedPack {
  dir: string;
  manifest: PackManifest;
  /** relative file (as in the manifest) -> absolute path */
  paths: Map<string, string>;
  /** relative file -> verified bytes */
  bytes: Map<string, Uint8Array>;
}

export async function loadPackFromDir(dir: string): Promise<LoadedPack> {
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PackError(
      manifestPath,
      code === 'ENOENT' ? 'pack manifest not found' : `cannot read: ${String(e)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PackError(manifestPath, `not valid JSON: it ${jsonErrorWhere(e)}`);
  }
  const manifest = loadManifest(json, manifestPath);
  const paths = new Map<string, string>();
  const bytes = new Map<string, Uint8Array>();
  for (const entry of manifestFiles(manifest)) {
    const path = join(root, entry.file);
    let data: Uint8Array;
    try {
      data = new Uint8Array(await readFile(path));
    } catch {
      throw new PackError(path, `file of component ${entry.component} is missing`);
    }
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== entry.sha256) {
      throw new PackError(
        path,
        `sha256 mismatch for component ${entry.component}: manifest says ${entry.sha256}, file has ${actual}`,
      );
    }
    paths.set(entry.file, path);
    bytes.set(entry.file, data);
  }
  return { dir: root, manifest, paths, bytes };
}
