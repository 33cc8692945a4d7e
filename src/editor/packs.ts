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
  editorStore.setState({ pack: { source, loading: true } });
  try {
    const info = await engine().loadPack(source, (progress) => {
      editorStore.setState((s) => ({ pack: { ...s.pack, progress } }));
    });
    editorStore.setState((s) => ({
      pack: { source, info, loading: false, ...(s.pack.progress ? { progress: s.pack.progress } : {}) },
    }));
    if (retarget) {
      let doc = currentDoc();
      for (const node of doc.nodes) {
        if (node.type === 'models.pack') doc = setParam(doc, node.id, 'pack', source);
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
