import { addImageNode, paste } from './actions';
import type { XY } from './state/graph-ops';

/**
 * Paste: an image on the clipboard becomes a Load Image node; kosmograph
 * nodes (JSON text) are pasted as nodes. Ctrl+V is taken from the `paste`
 * event (the only place a pasted image can be read); where a browser sends
 * no paste event (nothing editable focused), the key's fallback pastes the
 * in-app clipboard.
 */

let fallback: ReturnType<typeof setTimeout> | undefined;
/** Ctrl+Shift+V was pressed: the paste it causes keeps the pasted nodes' input wires. */
let withInputs = false;

/** Ctrl+V (Ctrl+Shift+V: `inputs`) was pressed: paste nodes unless a paste event comes first. */
export function schedulePasteFallback(inputs = false): void {
  if (fallback !== undefined) clearTimeout(fallback);
  withInputs = inputs;
  fallback = setTimeout(() => {
    fallback = undefined;
    const keep = withInputs;
    withInputs = false;
    void paste(undefined, keep);
  }, 60);
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Handles a paste event on the page; `at` is where a pasted image goes (flow coordinates). */
export function handlePaste(e: ClipboardEvent, at: () => XY): void {
  if (isTyping(e.target)) return;
  if (fallback !== undefined) {
    clearTimeout(fallback);
    fallback = undefined;
  }
  const data = e.clipboardData;
  const image = data ? [...data.files].find((f) => f.type.startsWith('image/')) : undefined;
  e.preventDefault();
  if (image) {
    void addImageNode(image, at());
    return;
  }
  const text = data?.getData('text/plain') ?? '';
  const keep = withInputs;
  withInputs = false;
  void paste(text, keep);
}
