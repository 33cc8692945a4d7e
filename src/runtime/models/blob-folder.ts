/**
 * A folder the user picked in the browser (its files as Blobs, with relative paths) as a
 * FolderReader for the checkpoint opener. sha256 is computed by streaming each Blob (never read
 * whole) with per-file progress; a file's hash is remembered in the model store by folder name,
 * path, size and modification time, so a second open of the same folder does not rehash it.
 * Sessions read the bytes from the picked files themselves (they are local already: nothing is
 * copied into storage).
 */
import type { PackLoadProgress } from '../host-types';
import type { FolderReader } from './checkpoint/folder-reader';
import { externalDataFiles } from './checkpoint/recognise';
import type { ModelFileStore } from './model-store';
import { sha256OfBlob } from './stream-sha256';

/** A picked file: its contents and, where known, its modification time (ms since the epoch). */
export interface FolderEntry {
  readonly data: Blob;
  readonly lastModified?: number;
}

export interface BlobFolderOptions {
  /** Remembers hashes across opens (and, with OPFS, across page loads). */
  readonly store?: ModelFileStore;
  readonly onProgress?: (progress: PackLoadProgress) => void;
}

/** Config and tokenizer files are read whole; model files never are. */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;
const ONNX_FOLDERS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

/** The files a checkpoint opener hashes, from a listing: for the progress total. */
export function checkpointHashedFiles(paths: readonly string[]): string[] {
  const has = new Set(paths);
  const out: string[] = [];
  for (const folder of ONNX_FOLDERS) {
    if (!has.has(`${folder}/model.onnx`)) continue;
    out.push(`${folder}/model.onnx`, ...externalDataFiles(paths, folder));
  }
  for (const file of ['tokenizer/vocab.json', 'tokenizer/merges.txt']) if (has.has(file)) out.push(file);
  return out;
}

/** The remembered-hash key of a picked file (the folder's name and the file's path). */
export const pickedFileKey = (folder: string, path: string) => `picked:${folder}/${path}`;

export function blobFolderReader(
  name: string,
  files: ReadonlyMap<string, FolderEntry>,
  options: BlobFolderOptions = {},
): FolderReader & { readonly hashed: number } {
  const { store, onProgress } = options;
  const paths = [...files.keys()].sort();
  const expected = checkpointHashedFiles(paths).length;
  const hashes = new Map<string, Promise<string>>();
  let started = 0;
  let done = 0;
  let hashed = 0;
  const entry = (path: string): FolderEntry => {
    const found = files.get(path);
    if (!found) throw new Error(`${name}/${path} is not in the chosen folder`);
    return found;
  };

  const hash = async (
    path: string,
    signal: AbortSignal,
  ): Promise<{ sha256: string; remembered: boolean }> => {
    const { data, lastModified } = entry(path);
    const key = pickedFileKey(name, path);
    const remembered = lastModified === undefined ? undefined : await store?.recall(key);
    if (remembered && remembered.size === data.size && remembered.lastModified === String(lastModified))
      return { sha256: remembered.sha256, remembered: true };
    const total = () => Math.max(expected, started);
    const sha256 = await sha256OfBlob(data, {
      signal,
      onBytes: (bytesDone) =>
        onProgress?.({ file: path, done, total: total(), bytesDone, bytesTotal: data.size }),
    });
    hashed += 1;
    if (lastModified !== undefined)
      await store?.remember(key, { sha256, size: data.size, lastModified: String(lastModified) });
    return { sha256, remembered: false };
  };

  return {
    label: name,
    get hashed() {
      return hashed;
    },
    async list() {
      return paths;
    },
    async exists(path) {
      return files.has(path);
    },
    async readText(path) {
      const { data } = entry(path);
      if (data.size > MAX_TEXT_BYTES)
        throw new Error(`${name}/${path} is ${data.size} bytes, too large for a config file`);
      return data.text();
    },
    sha256(path, signal) {
      let pending = hashes.get(path);
      if (!pending) {
        started += 1;
        pending = hash(path, signal).then(({ sha256, remembered }) => {
          done += 1;
          onProgress?.({
            file: path,
            done,
            total: Math.max(expected, started),
            ...(remembered ? { remembered } : {}),
          });
          return sha256;
        });
        hashes.set(path, pending);
        pending.catch(() => hashes.delete(path));
      }
      return pending;
    },
    async readBytes(path) {
      return new Uint8Array(await entry(path).data.arrayBuffer());
    },
    async size(path) {
      return entry(path).data.size;
    },
  };
}
