import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph, edge, node } from '../../test/fixtures/arithmetic-registry';
import { canConnect } from './can-connect';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from './document';
import {
  edgesFrom,
  edgesInto,
  edgesIntoPort,
  firstEdgeIntoPort,
  hasNode,
  indexGraph,
  isGraphIndex,
  nodeById,
} from './graph-index';
import type { NodeSpecLookup } from './node-spec';
import { topologicalOrder, upstreamClosure } from './topology';
import { validateGraph } from './validate';

const lookup = arithmeticRegistry().lookup;

describe('indexGraph', () => {
  it('finds nodes by id (the first of a repeated id) and edges by target, port and source in document order', () => {
    const g = diamondGraph();
    g.nodes.push(node('a', 'constant', { value: 5 }));
    g.edges.push(edge('c', 'value', 'add', 'a'), edge('ghost', 'value', 'add', 'c'));
    const index = indexGraph(g);
    expect(isGraphIndex(index)).toBe(true);
    expect(isGraphIndex(g)).toBe(false);
    expect(nodeById(index, 'a')).toBe(g.nodes[0]);
    expect(nodeById(index, 'ghost')).toBeUndefined();
    expect(nodeById(index, 'nobody')).toBeUndefined();
    expect(hasNode(index, 'sink2')).toBe(true);
    expect(hasNode(index, 'ghost')).toBe(false);
    expect([...edgesInto(index, 'add')]).toEqual([0, 1, 6, 7]);
    expect(edgesIntoPort(index, 'add', 'a')).toEqual([0, 6]);
    expect(firstEdgeIntoPort(index, 'add', 'a')).toBe(0);
    expect(firstEdgeIntoPort(index, 'add', 'nope')).toBe(-1);
    expect([...edgesFrom(index, 'add')]).toEqual([2, 3]);
    expect([...edgesFrom(index, 'ghost')]).toEqual([7]);
    expect([...edgesInto(index, 'nobody')]).toEqual([]);
    // The second edge into add.a points at the first; every other edge is first into its input.
    expect([...index.firstIntoSamePort]).toEqual([0, 1, 2, 3, 4, 5, 0, 7]);
  });

  it('keeps the first node of an id and the edges into an input in order past the small-degree path', () => {
    const nodes = [
      node('t', 'add'),
      node('t', 'sink'),
      ...Array.from({ length: 20 }, (_, i) => node(`c${i}`, 'constant')),
    ];
    const edges = Array.from({ length: 20 }, (_, i) => edge(`c${i}`, 'value', 't', i % 3 === 0 ? 'a' : 'b'));
    const index = indexGraph({ nodes, edges });
    expect(nodeById(index, 't')).toBe(nodes[0]);
    expect(index.nodeSlot[1]).toBe(0);
    const first = [...index.firstIntoSamePort];
    expect(first.filter((p, i) => p === i)).toEqual([0, 1]);
    expect(first.every((p, i) => p === (i % 3 === 0 ? 0 : 1))).toBe(true);
  });

  it('grows its id table for many ids that only edges name', () => {
    const edges = Array.from({ length: 200 }, (_, i) => edge(`from${i}`, 'value', `to${i % 7}`, 'a'));
    const index = indexGraph({ nodes: [node('x', 'sink')], edges });
    expect(index.ids.length).toBe(1 + 200 + 7);
    for (let i = 0; i < 200; i++) expect([...edgesFrom(index, `from${i}`)]).toEqual([i]);
    expect([...edgesInto(index, 'to3')]).toEqual(edges.flatMap((_, i) => (i % 7 === 3 ? [i] : [])));
    expect(nodeById(index, 'x')).toBeDefined();
  });

  it('is what canConnect and topology take in place of the graph', () => {
    const g = diamondGraph();
    const index = indexGraph(g);
    const from = { node: 'add2', port: 'sum' };
    const to = { node: 'add', port: 'c' };
    expect(canConnect(index, from, to, lookup)).toEqual(canConnect(g, from, to, lookup));
    expect(topologicalOrder(['sink', 'add', 'a', 'b'], index)).toEqual(
      topologicalOrder(['sink', 'add', 'a', 'b'], g.edges),
    );
    expect([...upstreamClosure(index, ['sink2'])]).toEqual([...upstreamClosure(g.edges, ['sink2'])]);
  });
});

// Scaling without timing: count what validation reads. The old validator re-read the edges before each
// edge (quadratic reads; its cycle walk made it cubic in time); the indexed one reads each node and
// edge a bounded number of times, and looks each node's type up once.

/** Constant -> (n - 2) x Slow -> Sink, edges in document order or reversed. */
function chain(n: number, reversed: boolean): GraphDocument {
  const nodes = [node('n0', 'constant')];
  for (let i = 1; i < n - 1; i++) nodes.push(node(`n${i}`, 'slow'));
  nodes.push(node(`n${n - 1}`, 'sink'));
  const edges = [];
  for (let i = 1; i < n; i++) {
    edges.push(edge(`n${i - 1}`, i === 1 ? 'value' : 'x', `n${i}`, i === n - 1 ? 'value' : 'x'));
  }
  if (reversed) edges.reverse();
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, nodes, edges };
}

/** `graph` whose node and edge arrays count every element read, and a lookup that counts its calls. */
function counted(graph: GraphDocument) {
  const reads = { elements: 0, lookups: 0 };
  const counting = <T extends object>(array: T[]): T[] =>
    new Proxy(array, {
      get(target, key, receiver) {
        if (typeof key === 'string' && key !== 'length' && Number.isInteger(Number(key))) reads.elements += 1;
        return Reflect.get(target, key, receiver);
      },
    });
  const countingLookup: NodeSpecLookup = (type) => {
    reads.lookups += 1;
    return lookup(type);
  };
  return {
    graph: { ...graph, nodes: counting(graph.nodes), edges: counting(graph.edges) },
    lookup: countingLookup,
    reads,
  };
}

describe('validateGraph at scale', () => {
  for (const reversed of [false, true]) {
    const order = reversed ? 'reversed' : 'in document order';

    it(`reads each node and edge a bounded number of times (edges ${order})`, () => {
      for (const n of [500, 5_000]) {
        const c = counted(chain(n, reversed));
        expect(validateGraph(c.graph, c.lookup)).toEqual([]);
        expect(c.reads.lookups).toBe(n);
        expect(c.reads.elements).toBeLessThanOrEqual(10 * (2 * n - 1));
      }
    });

    it(`validates a 10k-node chain (edges ${order})`, { timeout: 60_000 }, () => {
      expect(validateGraph(chain(10_000, reversed), lookup)).toEqual([]);
      const broken = chain(10_000, reversed);
      broken.edges.push(edge('n9998', 'x', 'n5000', 'x'), edge('n0', 'nope', 'n1', 'x'));
      // A second edge into n5000.x that also closes a cycle n5000 -> ... -> n9998 -> n5000, and an edge
      // from an output the constant does not have.
      const issues = validateGraph(broken, lookup);
      expect(issues.map((i) => [i.code, i.nodeId, i.port])).toEqual([
        ['duplicate_input_edge', 'n5000', 'x'],
        ['unknown_port', 'n1', 'x'],
        ['cycle', 'n5000', undefined],
      ]);
      // On and behind the cycle: n5000 .. n9999.
      expect(issues[2]?.message.match(/"n\d+"/g)?.length).toBe(5000);
    });
  }
});
