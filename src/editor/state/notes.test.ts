import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph } from '../../../test/fixtures/arithmetic-registry';
import { loadGraphDocument } from '../../core/load-document';
import { addNote, moveNote, noteFlowNodes, noteIdOf, removeNote, setNoteText } from './notes';

describe('notes', () => {
  it('adds, edits, moves and removes a note; the document stays loadable throughout', () => {
    const lookup = arithmeticRegistry().lookup;
    const added = addNote(diamondGraph(), { x: 10, y: 20 });
    expect(added.id).toBe('note_1');
    const edited = setNoteText(added.doc, 'note_1', 'seed 7 looks best');
    const moved = moveNote(edited, 'note_1', { x: 50, y: 60 });
    expect(moved.notes).toEqual([{ id: 'note_1', text: 'seed 7 looks best' }]);
    expect(moved.layout?.notes?.note_1).toEqual({ x: 50, y: 60 });
    expect(loadGraphDocument(moved, lookup).graph).toEqual(moved);
    const flow = noteFlowNodes(moved.notes, moved.layout?.notes);
    expect(flow.map((n) => [noteIdOf(n.id), n.position])).toEqual([['note_1', { x: 50, y: 60 }]]);
    const gone = removeNote(moved, 'note_1');
    expect(gone.notes).toBeUndefined();
    expect(gone.layout?.notes).toEqual({});
    expect(loadGraphDocument(gone, lookup).graph.notes).toBeUndefined();
  });

  it('gives a second note a fresh id and leaves unknown ids alone', () => {
    const one = addNote(diamondGraph(), { x: 0, y: 0 }).doc;
    expect(addNote(one, { x: 0, y: 0 }).id).toBe('note_2');
    expect(setNoteText(one, 'ghost', 'x')).toBe(one);
    expect(moveNote(one, 'ghost', { x: 1, y: 1 })).toBe(one);
    expect(removeNote(one, 'ghost')).toBe(one);
  });
});
