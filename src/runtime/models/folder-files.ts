/**
 * Opens a folder the user picked (files with paths relative to it) as a model source, whatever it
 * holds: a kosmograph pack (manifest.json) or a Stable Diffusion ONNX checkpoint
 * (model_index.json). Anything else fails with what was expected (`recogniseLayout`).
 */
import type { PackLoadProgress } from '../host-types';
import { type BlobFolderOptions, blobFolderReader, type FolderEntry } from './blob-folder';
import { ModelSourceError } from './checkpoint/folder-reader';
import { openCheckpoint } from './checkpoint/open-checkpoint';
import { recogniseLayout } from './checkpoint/recognise';
import { folderPackSource, openPackFromFiles, type PackFile } from './file-pack';
import { openKosmosGFromFiles } from './kosmos-g-files';
import type { ModelFileStore } from './model-store';
import type { PackHandle } from './pack-handle';

export interface OpenFolderOptions {
  readonly store?: ModelFileStore;
  readonly onProgress?: (progress: PackLoadProgress) => void;
  readonly signal?: AbortSignal;
}

/**
 * The picked files by their path inside the folder. A folder picker gives paths under the
 * folder's own name (`optimum/unet/model.onnx`); that first segment is dropped when every file
 * has it and the folder's root files are not at the top already.
 */
export function folderEntries(files: readonly PackFile[]): Map<string, FolderEntry> {
  const clean = files.map((f) => ({ ...f, path: f.path.replace(/^(\.?\/)+/, '') }));
  const roots = new Set(['manifest.json', 'model_index.json', 'kosmos-g.json']);
  const top = clean[0]?.path.split('/')[0];
  const nested =
    top !== undefined &&
    !clean.some((f) => roots.has(f.path)) &&
    clean.every((f) => f.path.startsWith(`${top}/`));
  const out = new Map<string, FolderEntry>();
  for (const f of clean) {
    const path = nested ? f.path.slice(top.length + 1) : f.path;
    out.set(path, {
      data: f.data,
      ...(f.lastModified !== undefined ? { lastModified: f.lastModified } : {}),
    });
  }
  return out;
}

/** Opens a picked folder as `folder:<name>`: a pack or a checkpoint, recognised from its files. */
export async function openFolderFiles(
  name: string,
  files: readonly PackFile[],
  options: OpenFolderOptions = {},
): Promise<PackHandle> {
  const entries = folderEntries(files);
  const recognised = recogniseLayout([...entries.keys()]);
  if (!recognised.ok)
    throw new ModelSourceError(name, `not a model folder kosmograph knows: expected ${recognised.expected}`);
  if (recognised.layout === 'kosmograph-pack') return openPackFromFiles(name, files, options.onProgress);
  if (recognised.layout === 'kosmos-g-encoder') return openKosmosGFromFiles(name, files, options.onProgress);
  const readerOptions: BlobFolderOptions = {
    ...(options.store ? { store: options.store } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  return openCheckpoint(
    blobFolderReader(name, entries, readerOptions),
    folderPackSource(name),
    options.signal ?? new AbortController().signal,
  );
}
