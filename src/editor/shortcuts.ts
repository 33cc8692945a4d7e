import {
  copySelection,
  cutSelection,
  deleteSelection,
  duplicateSelection,
  layoutGraph,
  openDialog,
  redo,
  requestFitView,
  selectAll,
  undo,
} from './actions';
import { chooseGraphFile, exportGraph } from './files';
import { groupSelection } from './group-actions';
import { toggleSelectedMode } from './node-mode-actions';
import { addNoteAtPointer } from './note-actions';
import { isTyping, schedulePasteFallback } from './paste';
import { queueRun } from './run-controller';
import { currentDoc, editorStore } from './store';

export const SHORTCUTS: readonly { keys: string; what: string }[] = [
  { keys: 'Ctrl+Enter', what: 'Run (queue another run while one is running)' },
  { keys: 'Ctrl+Z', what: 'Undo' },
  { keys: 'Ctrl+Shift+Z / Ctrl+Y', what: 'Redo' },
  { keys: 'Ctrl+C / Ctrl+X / Ctrl+V', what: 'Copy / cut / paste nodes (pasted nodes get new ids)' },
  { keys: 'Ctrl+Shift+V', what: 'Paste with the wires into the pasted nodes (from nodes outside them)' },
  { keys: 'Ctrl+D', what: 'Duplicate the selected nodes' },
  { keys: 'Ctrl+A', what: 'Select all nodes' },
  { keys: 'Ctrl+B', what: 'Bypass the selected nodes (their inputs pass through); again: active' },
  { keys: 'Ctrl+M', what: 'Mute the selected nodes (they do not run); again: active' },
  { keys: 'Ctrl+G', what: 'Group the selected nodes (drag the title bar to move them together)' },
  { keys: 'Delete / Backspace', what: 'Delete the selection' },
  { keys: 'Shift+drag / Ctrl+click', what: 'Select several nodes' },
  { keys: 'Double-click canvas', what: 'Search and add a node' },
  { keys: 'Drag a wire to empty canvas', what: 'Add a node that fits the wire' },
  { keys: 'Shift+L', what: 'Auto layout' },
  { keys: 'Shift+N', what: 'Add a note (free text) at the pointer' },
  { keys: 'Shift+F', what: 'Fit the graph in view' },
  { keys: 'Ctrl+S', what: 'Export the graph as JSON' },
  { keys: 'Ctrl+Shift+S', what: 'Save As: name the graph and export it' },
  { keys: 'Ctrl+O', what: 'Open a graph file (JSON, kosmograph PNG, ComfyUI)' },
  { keys: 'Ctrl+V with an image copied', what: 'Paste the image as a Load Image node' },
  { keys: '?', what: 'This help' },
  { keys: 'Escape', what: 'Close dialogs and search' },
];

/** Global shortcuts; text fields keep their own keys (their undo is the field's). */
export function handleShortcut(e: KeyboardEvent): void {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && key === 'enter') {
    e.preventDefault();
    queueRun();
    return;
  }
  if (mod && key === 's') {
    e.preventDefault();
    if (e.shiftKey) openDialog('save-as');
    else exportGraph(currentDoc());
    return;
  }
  if (mod && key === 'o') {
    e.preventDefault();
    chooseGraphFile();
    return;
  }
  if (isTyping(e.target)) return;
  if (editorStore.getState().dialog) return;
  let handled = true;
  if (mod && key === 'z' && !e.shiftKey) undo();
  else if (mod && ((key === 'z' && e.shiftKey) || key === 'y')) redo();
  else if (mod && key === 'c') void copySelection();
  else if (mod && key === 'x') void cutSelection();
  else if (mod && key === 'v') {
    // The paste event does the pasting (it can read images); this is the fallback.
    schedulePasteFallback(e.shiftKey);
    return;
  } else if (mod && key === 'd') duplicateSelection();
  else if (mod && key === 'a') selectAll();
  else if (mod && !e.shiftKey && key === 'b') toggleSelectedMode('bypass');
  else if (mod && !e.shiftKey && key === 'm') toggleSelectedMode('mute');
  else if (mod && !e.shiftKey && key === 'g') groupSelection();
  else if (!mod && (e.key === 'Delete' || e.key === 'Backspace')) deleteSelection();
  else if (!mod && e.shiftKey && key === 'l') layoutGraph();
  else if (!mod && e.shiftKey && key === 'n') addNoteAtPointer();
  else if (!mod && e.shiftKey && key === 'f') requestFitView('all');
  else if (!mod && e.key === '?') openDialog('help');
  else handled = false;
  if (handled) e.preventDefault();
}
