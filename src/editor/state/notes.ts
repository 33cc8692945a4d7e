import type { Node } from '@xyflow/react';
import type { GraphDocument } from '../../core/document';
import type { XY } from './graph-ops';

/**
 * Notes: free text boxes on the canvas, saved in the document's `notes` (the text) and
 * `layout.notes` (where). Looks only: a note never changes what a graph computes. Pure.
 */

/** Canvas ids of notes: `#` is not allowed in node ids. */
export const NOTE_FLOW_PREFIX = '#note:';
export const noteIdOf = (flowId: string): string | undefined =>
  flowId.startsWith(NOTE_FLOW_PREFIX) ? flowId.slice(NOTE_FLOW_PREFIX.length) : undefined;

export function addNote(doc: GraphDocument, at: XY, text = ''): { doc: GraphDocument; id: string } {
  const taken = new Set((doc.notes ?? []).map((n) => n.id));
  let n = taken.size + 1;
  while (taken.has(`note_${n}`)) n += 1;
  const id = `note_${n}`;
  return {
    doc: {
      ...doc,
      notes: [...(doc.notes ?? []), { id, text }],
      layout: {
        ...doc.layout,
        nodes: doc.layout?.nodes ?? {},
        notes: { ...doc.layout?.notes, [id]: { x: at.x, y: at.y } },
      },
    },
    id,
  };
}

export function setNoteText(doc: GraphDocument, id: string, text: string): GraphDocument {
  if (!doc.notes?.some((n) => n.id === id)) return doc;
  return { ...doc, notes: doc.notes.map((n) => (n.id === id ? { ...n, text } : n)) };
}

export function moveNote(doc: GraphDocument, id: string, at: XY): GraphDocument {
  const old = doc.layout?.notes?.[id];
  if (!old || (old.x === at.x && old.y === at.y)) return doc;
  return {
    ...doc,
    layout: {
      ...doc.layout,
      nodes: doc.layout?.nodes ?? {},
      notes: { ...doc.layout?.notes, [id]: { x: at.x, y: at.y } },
    },
  };
}

export function removeNote(doc: GraphDocument, id: string): GraphDocument {
  if (!doc.notes?.some((n) => n.id === id)) return doc;
  const notes = doc.notes.filter((n) => n.id !== id);
  const { [id]: _gone, ...places } = doc.layout?.notes ?? {};
  const { notes: _all, ...rest } = doc;
  return {
    ...rest,
    ...(notes.length > 0 ? { notes } : {}),
    layout: { ...doc.layout, nodes: doc.layout?.nodes ?? {}, notes: places },
  };
}

type NoteFlowNode = Node<Record<string, never>, 'kgNote'>;
const emptyData = {} as Record<string, never>;

/** The canvas nodes of the document's notes (a note without a place goes to the origin). */
export function noteFlowNodes(
  notes: GraphDocument['notes'],
  places: NonNullable<GraphDocument['layout']>['notes'],
): NoteFlowNode[] {
  return (notes ?? []).map((n) => ({
    id: `${NOTE_FLOW_PREFIX}${n.id}`,
    type: 'kgNote' as const,
    position: places?.[n.id] ?? { x: 0, y: 0 },
    data: emptyData,
    selectable: false,
    dragHandle: '.kg-note-header',
  }));
}
