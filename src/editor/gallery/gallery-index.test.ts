import { describe, expect, it } from 'vitest';
import { GALLERY_LIMIT, markUsed, removeRun } from './gallery-index';

describe('gallery index (LRU)', () => {
  it('puts a run first and evicts the least recently used past the limit', () => {
    let ids: readonly string[] = [];
    const evicted: string[] = [];
    for (let i = 0; i < GALLERY_LIMIT + 5; i++) {
      const change = markUsed(ids, `job${i}`);
      ids = change.ids;
      evicted.push(...change.evicted);
    }
    expect(ids).toHaveLength(GALLERY_LIMIT);
    expect(ids[0]).toBe(`job${GALLERY_LIMIT + 4}`);
    expect(evicted).toEqual(['job0', 'job1', 'job2', 'job3', 'job4']);
  });

  it('a run used again (its graph opened) is the last to go', () => {
    let ids = ['c', 'b', 'a'] as readonly string[];
    ids = markUsed(ids, 'a', 3).ids;
    expect(ids).toEqual(['a', 'c', 'b']);
    const next = markUsed(ids, 'd', 3);
    expect(next.ids).toEqual(['d', 'a', 'c']);
    expect(next.evicted).toEqual(['b']);
    expect(removeRun(next.ids, 'a')).toEqual(['d', 'c']);
  });
});
