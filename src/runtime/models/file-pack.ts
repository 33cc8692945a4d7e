import { jsonErrorWhere } from '../../core/json-error';
import type { PackLoadProgress } from '../host-types';
import { loadManifest, manifestFiles, PackError } from '../pack/manifest';
import { modelSetFromManifest } from './model-set';
import type { PackHandle } from './pack-handle';
import { sha256OfBlob } from './stream-sha256';
import { sha256Hex } from './url-pack';

/** A file of a picked folder: its path inside the folder (`unet/model.onnx`) and its contents. */
export interface PackFile {
  readonly path: string;
  readonly data: Blob;
  /** The file's modification time (`File.lastModified`), so its hash can be remembered. */
  readonly lastModified?: number;
}

/** The source string under which a picked folder's pack is known to Model Pack nodes. */
export const folderPackSource = (name: string) => `folder:${name}`;

/**
 * Opens a pack from files the user picked (a folder in the browser): reads
 * and validates `manifest.json`, then streams every listed file through sha256
 * (never read whole) and checks it, reporting progress per file. Any failure throws a PackError naming
 * the file, before a handle exists. Files stay as Blobs (no copy in memory);
 * `readFile` reads them again when a model loads.
 */
export async function openPackFromFiles(
  name: string,
  files: readonly PackFile[],
  onProgress?: (progress: PackLoadProgress) => void,
): Promise<PackHandle> {
  // A folder picker gives paths under the folder's own name: accept both `pack/x` and `x`.
  const byPath = new Map<string, Blob>();
  for (const file of files) byPath.set(file.path.replace(/^\.?\//, ''), file.data);
  const manifestPath = [...byPath.keys()].find(
    (p) => p === 'manifest.json' || /^[^/]+\/manifest\.json$/.test(p),
  );
  if (!manifestPath)
    throw new PackError(`${name}/manifest.json`, 'pack manifest not found in the chosen folder');
  const prefix = manifestPath.slice(0, -'manifest.json'.length);
  const manifestBytes = new Uint8Array(await byPath.get(manifestPath)!.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    throw new PackError(`${name}/manifest.json`, `not valid JSON: it ${jsonErrorWhere(error)}`);
  }
  const manifest = loadManifest(json, `${name}/manifest.json`);
  const listed = manifestFiles(manifest);
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
        `sha256 mismatch for component ${entry.component}: manifest says ${entry.sha256}, file has ${actual}`,
      );
    }
    blobs.set(entry.file, blob);
    done += 1;
    onProgress?.({ file: entry.file, done, total: listed.length });
  }
  return {
    source: folderPackSource(name),
    id: await sha256Hex(manifestBytes),
    models: modelSetFromManifest(manifest),
    async readFile(file) {
      const blob = blobs.get(file);
      if (!blob) throw new Error(`${file} is not listed in the manifest of the folder ${name}`);
      return new Uint8Array(await blob.arrayBuffer());
    },
  };
}
