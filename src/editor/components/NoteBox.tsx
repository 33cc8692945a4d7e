import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { deleteNote, editNote } from '../note-actions';
import { noteIdOf } from '../state/notes';
import { useEditor } from '../store';

/** A note on the canvas: free text, dragged by its bar. */
export const NoteBox = memo(function NoteBox({ id }: NodeProps) {
  const noteId = noteIdOf(id) ?? id;
  const note = useEditor((s) => s.history.present.notes?.find((n) => n.id === noteId));
  if (!note) return null;
  return (
    <section className="kg-note" aria-label={`note ${note.id}`} data-note-id={note.id}>
      <header className="kg-note-header">
        <span>Note</span>
        <button type="button" className="kg-note-delete nodrag" onClick={() => deleteNote(note.id)}>
          Delete note
        </button>
      </header>
      <textarea
        className="kg-note-text nodrag nowheel"
        aria-label={`Text of ${note.id}`}
        value={note.text}
        maxLength={100_000}
        placeholder="Write a note…"
        onChange={(e) => editNote(note.id, e.target.value)}
      />
    </section>
  );
});
