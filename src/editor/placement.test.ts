import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freeSpot, makeRoom, overlaps, placeGroup, type Rect } from './placement';

const size = { width: 260, height: 120 };

describe('placement', () => {
  it('keeps the asked spot when it is free', () => {
    expect(freeSpot({ x: 10, y: 20 }, size, [])).toEqual({ x: 10, y: 20 });
  });

  it('moves off a node it would cover, to the nearest free spot', () => {
    const taken: Rect = { x: 0, y: 0, width: 260, height: 120 };
    const spot = freeSpot({ x: 0, y: 0 }, size, [taken]);
    expect(overlaps({ ...spot, ...size }, taken, 24)).toBe(false);
    // Nearest: straight below or beside, not far away.
    expect(Math.hypot(spot.x, spot.y)).toBeLessThanOrEqual(300);
  });

  it('never lands on any node (property)', () => {
    const rect = fc.record({
      x: fc.integer({ min: -600, max: 600 }),
      y: fc.integer({ min: -600, max: 600 }),
      width: fc.integer({ min: 40, max: 300 }),
      height: fc.integer({ min: 40, max: 300 }),
    });
    fc.assert(
      fc.property(fc.array(rect, { maxLength: 25 }), rect, (obstacles, wanted) => {
        const spot = freeSpot(wanted, wanted, obstacles);
        const placed = { ...spot, width: wanted.width, height: wanted.height };
        return obstacles.every((o) => !overlaps(placed, o));
      }),
    );
  });

  it('moves a pasted group as one, into free space near the pointer', () => {
    const group: Rect[] = [
      { x: 0, y: 0, width: 100, height: 50 },
      { x: 200, y: 0, width: 100, height: 50 },
    ];
    const offset = placeGroup(group, group, { x: 150, y: 25 });
    const moved = group.map((r) => ({ ...r, x: r.x + offset.x, y: r.y + offset.y }));
    for (const m of moved) for (const g of group) expect(overlaps(m, g)).toBe(false);
    // The arrangement is kept.
    expect(moved[1]!.x - moved[0]!.x).toBe(200);
  });

  it('a grown node pushes the nodes it now covers, and those push theirs', () => {
    const rects = new Map<string, Rect>([
      ['save', { x: 0, y: 0, width: 260, height: 400 }],
      ['below', { x: 0, y: 200, width: 260, height: 100 }],
      ['further', { x: 0, y: 320, width: 260, height: 100 }],
      ['aside', { x: 600, y: 0, width: 260, height: 100 }],
    ]);
    const moved = makeRoom(rects, 'save', { width: 260, height: 150 });
    expect(Object.keys(moved).sort()).toEqual(['below', 'further']);
    expect(moved.below!.y).toBeGreaterThanOrEqual(400);
    expect(moved.further!.y).toBeGreaterThanOrEqual(moved.below!.y + 100);
    expect(makeRoom(rects, 'aside', { width: 260, height: 100 })).toEqual({});
  });
});
