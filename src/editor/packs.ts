import type { PackInfo, PackLoadProgress } from '../engine/engine-api';
import { commitDoc } from './actions';
import { engine } from './engine-connection';
import { pointNodesAt, targetOf } from './state/model-sources';
import { currentDoc, editorStore } from './store';

/** Refreshes the engine status shown in the model picker (backend, loaded sessions). */
export async function refreshEngineStatus(): Promise<void> {
  try {
    const status = await engine().status();
    editorStore.setState({ engine: status, engineError: undefined });
  } catch (error) {
    editorStore.setState({ engineError: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Opens a model source in the engine (a pack or a checkpoint URL; every file's sha256 checked,
 * with progress) and, when `retarget`, points the graph's nodes at it (see `pointNodesAt`).
 */
export async function loadPackSource(source: string, retarget = true): Promise<boolean> {
  return openSource(source, retarget, (onProgress) => engine().loadPack(source, onProgress));
}

/** The folder's name from a picker's relative paths (`optimum/unet/model.onnx` -> `optimum`). */
export function pickedFolderName(files: readonly { webkitRelativePath?: string; name: string }[]): string {
  const first = files[0]?.webkitRelativePath ?? '';
  return first.includes('/') ? first.slice(0, first.indexOf('/')) : 'folder';
}

/**
 * Opens a model folder the user picked (`<input webkitdirectory>`): the files go to the engine
 * worker as Blobs, which recognises a pack (manifest.json) or a checkpoint (model_index.json) and
 * hashes every file; the graph's nodes then point at `folder:<name>`.
 */
export async function loadPackFolder(files: FileList | readonly File[]): Promise<boolean> {
  const list = Array.from(files);
  const name = pickedFolderName(list);
  const packFiles = list.map((file) => ({
    path: file.webkitRelativePath || file.name,
    data: file as Blob,
    lastModified: file.lastModified,
  }));
  return openSource(`folder:${name}`, true, (onProgress) =>
    engine().loadPackFiles(name, packFiles, onProgress),
  );
}

/** Points the graph's nodes at an opened source (one undo step), and says what changed. */
export function applySource(info: PackInfo): void {
  const { selectedNodes } = editorStore.getState();
  const { doc, nodes } = pointNodesAt(currentDoc(), info.kind, info.source, selectedNodes);
  const target = targetOf(info.kind);
  const title =
    target.type === 'models.pack'
      ? 'Model Pack'
      : target.type === 'models.kosmos_g'
        ? 'Load Kosmos-G'
        : 'Load Checkpoint';
  if (nodes.length > 0) commitDoc(doc);
  const applied =
    nodes.length > 0
      ? `${title} node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')} now use${nodes.length > 1 ? '' : 's'} ${info.source}.`
      : `This graph has no ${title} node: add one and set its ${target.param} to ${info.source}.`;
  editorStore.setState((s) => ({ pack: { ...s.pack, source: info.source, info, applied } }));
}

async function openSource(
  source: string,
  retarget: boolean,
  load: (onProgress: (progress: PackLoadProgress) => void) => Promise<PackInfo>,
): Promise<boolean> {
  const before = editorStore.getState().pack;
  editorStore.setState((s) => ({
    pack: { source, loading: true, ...(s.pack.opened ? { opened: s.pack.opened } : {}) },
  }));
  try {
    const info = await load((progress) => {
      editorStore.setState((s) => ({ pack: { ...s.pack, progress } }));
    });
    editorStore.setState((s) => ({
      pack: {
        source: info.source,
        info,
        loading: false,
        opened: [info, ...(s.pack.opened ?? []).filter((o) => o.source !== info.source)],
        ...(s.pack.progress ? { progress: s.pack.progress } : {}),
      },
    }));
    if (retarget) applySource(info);
    void refreshEngineStatus();
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The previous source stays the active one; the error says what was wrong with this one.
    const { progress: _progress, applied: _applied, ...previous } = before;
    editorStore.setState((s) => ({
      pack: {
        ...previous,
        loading: false,
        ...(s.pack.opened ? { opened: s.pack.opened } : {}),
        error: `Cannot open ${source}: ${message}`,
      },
    }));
    return false;
  }
}
