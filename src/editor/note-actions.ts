import { commitDoc, pointerAnchor } from './actions';
import type { XY } from './state/graph-ops';
import { addNote, moveNote, removeNote, setNoteText } from './state/notes';
import { currentDoc } from './store';

/** Shift+N: a note under the pointer (or in the middle of the view). */
export function addNoteAtPointer(): void {
  commitDoc(addNote(currentDoc(), pointerAnchor() ?? { x: 0, y: 0 }).doc);
}

let noteGesture = 0;
export function beginNoteDrag(): void {
  noteGesture += 1;
}

export function dragNote(id: string, at: XY): void {
  commitDoc(moveNote(currentDoc(), id, at), { key: `note-drag:${noteGesture}`, gesture: true });
}

/** Typing in a note: keystrokes within a second are one undo step. */
export function editNote(id: string, text: string): void {
  commitDoc(setNoteText(currentDoc(), id, text), { key: `note-text:${id}` });
}

export function deleteNote(id: string): void {
  commitDoc(removeNote(currentDoc(), id));
}
