import type { PackInfo, PackLoadProgress } from '../engine/engine-api';
import { commitDoc } from './actions';
import { engine } from './engine-connection';
import { setParam } from './state/graph-ops';
import { currentDoc, editorStore } from './store';

/** Refreshes the engine status shown in the pack dialog (backend, loaded sessions). */
export async function refreshEngineStatus(): Promise<void> {
  try {
    const status = await engine().status();
    editorStore.setState({ engine: status, engineError: undefined });
  } catch (error) {
    editorStore.setState({ engineError: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Opens a pack in the engine (sha256 of every file checked, with progress)
 * and, when `retarget`, points the graph's Model Pack nodes at it.
 */
export async function loadPackSource(source: string, retarget = true): Promise<boolean> {
  return openPack(source, retarget, (onProgress) => engine().loadPack(source, onProgress));
}

/**
 * Opens a pack from a folder the user picked (`<input webkitdirectory>`): the
 * files go to the engine worker, which checks every sha256; the graph's Model
 * Pack nodes then point at `folder:<name>`.
 */
export async function loadPackFolder(files: FileList | readonly File[]): Promise<boolean> {
  const list = Array.from(files);
  const first = list[0]?.webkitRelativePath ?? '';
  const name = first.includes('/') ? first.slice(0, first.indexOf('/')) : 'folder';
  const packFiles = list.map((file) => ({ path: file.webkitRelativePath || file.name, data: file as Blob }));
  return openPack(`folder:${name}`, true, (onProgress) =>
    engine().loadPackFiles(name, packFiles, onProgress),
  );
}

async function openPack(
  source: string,
  retarget: boolean,
  load: (onProgress: (progress: PackLoadProgress) => void) => Promise<PackInfo>,
): Promise<boolean> {
  editorStore.setState({ pack: { source, loading: true } });
  try {
    const info = await load((progress) => {
      editorStore.setState((s) => ({ pack: { ...s.pack, progress } }));
    });
    editorStore.setState((s) => ({
      pack: {
        source: info.source,
        info,
        loading: false,
        ...(s.pack.progress ? { progress: s.pack.progress } : {}),
      },
    }));
    if (retarget) {
      let doc = currentDoc();
      for (const node of doc.nodes) {
        if (node.type === 'models.pack') doc = setParam(doc, node.id, 'pack', info.source);
      }
      commitDoc(doc);
    }
    void refreshEngineStatus();
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    editorStore.setState((s) => ({
      pack: { ...s.pack, loading: false, error: `Cannot open the pack: ${message}` },
    }));
    return false;
  }
}
