import type { GraphDocument, NodeMode } from '../core/document';
import { commitDoc } from './actions';
import { currentDoc, editorStore } from './store';

/**
 * `doc` with `mode` toggled on `ids` as ComfyUI does it: when every one of them already has
 * `pressed`, they all become active again; otherwise they all get `pressed`. Pure.
 */
export function withModeToggled(
  doc: GraphDocument,
  ids: ReadonlySet<string>,
  pressed: NodeMode,
): GraphDocument {
  const chosen = doc.nodes.filter((n) => ids.has(n.id));
  if (chosen.length === 0) return doc;
  const clear = chosen.every((n) => n.mode === pressed);
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      if (!ids.has(n.id)) return n;
      if (!clear) return { ...n, mode: pressed };
      const { mode: _mode, ...active } = n;
      return active;
    }),
  };
}

/** Ctrl+B (bypass) / Ctrl+M (mute) on the selected nodes: one undo step. */
export function toggleSelectedMode(pressed: NodeMode): void {
  const { selectedNodes } = editorStore.getState();
  const doc = currentDoc();
  const next = withModeToggled(doc, selectedNodes, pressed);
  if (next !== doc) commitDoc(next);
}

/** What a node's mode badge says. */
export const MODE_LABEL: Record<NodeMode, string> = { bypass: 'bypassed', mute: 'muted' };
