import { describe, expect, it } from 'vitest';
import { emptyGraph, type GraphDocument } from '../../core/document';
import { commit, createHistory, redo, replacePresent, undo } from './history';

const doc = (name: string): GraphDocument => ({ ...emptyGraph(), meta: { name } });

describe('history', () => {
  it('undoes and redoes whole documents', () => {
    let h = createHistory(doc('a'));
    h = commit(h, doc('b'), { now: 1 });
    h = commit(h, doc('c'), { now: 5000 });
    h = undo(h);
    expect(h.present.meta?.name).toBe('b');
    h = undo(h);
    expect(h.present.meta?.name).toBe('a');
    expect(undo(h)).toBe(h);
    h = redo(h);
    expect(h.present.meta?.name).toBe('b');
    h = commit(h, doc('d'), { now: 9000 });
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
  });

  it('merges a typing burst with one key into one step', () => {
    let h = createHistory(doc('a'));
    h = commit(h, doc('ab'), { key: 'p', now: 1000 });
    h = commit(h, doc('abc'), { key: 'p', now: 1500 });
    h = commit(h, doc('abcd'), { key: 'p', now: 2200 });
    expect(h.past).toHaveLength(1);
    h = commit(h, doc('late'), { key: 'p', now: 9000 });
    expect(h.past).toHaveLength(2);
    expect(undo(undo(h)).present.meta?.name).toBe('a');
  });

  it('merges a gesture however long it takes', () => {
    let h = createHistory(doc('a'));
    h = commit(h, doc('m1'), { key: 'drag:1', gesture: true, now: 0 });
    h = commit(h, doc('m2'), { key: 'drag:1', gesture: true, now: 60_000 });
    expect(h.past).toHaveLength(1);
    h = commit(h, doc('m3'), { key: 'drag:2', gesture: true, now: 60_001 });
    expect(h.past).toHaveLength(2);
  });

  it('replaces the present without a step', () => {
    const h = replacePresent(createHistory(doc('a')), doc('seeded'));
    expect(h.past).toEqual([]);
    expect(h.present.meta?.name).toBe('seeded');
  });
});
