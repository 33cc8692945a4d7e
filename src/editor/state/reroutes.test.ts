import { describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from '../../core/document';
import { edgeKey } from '../../core/edge-key';
import { addReroute, insertionIndex, moveReroute, removeReroute, reroutePoints } from './reroutes';

const edge = { from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } };
const key = edgeKey(edge);
const doc: GraphDocument = {
  format: GRAPH_FORMAT,
  version: GRAPH_VERSION,
  nodes: [],
  edges: [edge],
  layout: { nodes: { a: { x: 0, y: 0 } } },
};
const ends = { source: { x: 0, y: 0 }, target: { x: 300, y: 0 } };

describe('reroute points', () => {
  it('a click goes into the nearest leg of the wire', () => {
    const points = [
      { x: 100, y: 100 },
      { x: 200, y: 100 },
    ];
    expect(insertionIndex(ends.source, points, ends.target, { x: 40, y: 50 })).toBe(0);
    expect(insertionIndex(ends.source, points, ends.target, { x: 150, y: 95 })).toBe(1);
    expect(insertionIndex(ends.source, points, ends.target, { x: 260, y: 40 })).toBe(2);
    expect(insertionIndex(ends.source, [], ends.target, { x: 260, y: 40 })).toBe(0);
  });

  it('adds, moves and removes points, in the layout only', () => {
    const one = addReroute(doc, key, ends, { x: 100, y: 50 });
    expect(one.index).toBe(0);
    const two = addReroute(one.doc, key, ends, { x: 250, y: 20 });
    expect(two.index).toBe(1);
    expect(reroutePoints(two.doc, key)).toEqual([
      { x: 100, y: 50 },
      { x: 250, y: 20 },
    ]);
    const moved = moveReroute(two.doc, key, 0, { x: 90, y: 60 });
    expect(reroutePoints(moved, key)[0]).toEqual({ x: 90, y: 60 });
    expect(moveReroute(moved, key, 0, { x: 90, y: 60 })).toBe(moved);
    expect(moved.nodes).toBe(doc.nodes);
    expect(moved.edges).toBe(doc.edges);
    expect(moved.layout?.nodes).toEqual(doc.layout?.nodes);
    const fewer = removeReroute(removeReroute(moved, key, 1), key, 0);
    // The last point removed: no entry (a graph without reroutes looks as it did).
    expect(fewer.layout).toEqual(doc.layout);
    expect(removeReroute(fewer, key, 0)).toBe(fewer);
  });

  it('a wire that is not in the graph gets no point', () => {
    const result = addReroute(doc, 'x.out->y.in', ends, { x: 1, y: 1 });
    expect(result.doc).toBe(doc);
    expect(result.index).toBe(-1);
  });
});
