import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph } from '../../test/fixtures/arithmetic-registry';
import { computeCacheKeys } from '../engine/cache-keys';
import { planExecution } from '../engine/plan';
import type { GraphDocument } from './document';
import { edgeKey } from './edge-key';
import { pruneEdgeLayout } from './edge-layout';
import { indexGraph } from './graph-index';
import { graphJsonSchema } from './json-schema';
import { loadGraphDocument } from './load-document';
import { validateGraph } from './validate';

const registry = arithmeticRegistry();
const lookup = registry.lookup;

/** The diamond graph with reroute points on its first wire, and an entry of a wire it lacks. */
function rerouted(): GraphDocument {
  const graph = diamondGraph();
  return {
    ...graph,
    layout: {
      nodes: {},
      edges: {
        [edgeKey(graph.edges[0]!)]: {
          points: [
            { x: 10, y: 20 },
            { x: 30, y: 40 },
          ],
        },
        'gone.value->add.a': { points: [{ x: 0, y: 0 }] },
      },
    },
  };
}

describe('layout.edges (reroute points)', () => {
  it('edge keys name from and to node and port', () => {
    expect(edgeKey({ from: { node: 'a', port: 'value' }, to: { node: 'add', port: 'a' } })).toBe(
      'a.value->add.a',
    );
  });

  it('loads unchanged, entries of missing edges ignored: no error, no warning, no issue', () => {
    const graph = rerouted();
    const loaded = loadGraphDocument(structuredClone(graph), lookup);
    expect(loaded.graph).toEqual(graph);
    expect(loaded.warnings).toEqual([]);
    expect(validateGraph(loaded.graph, lookup)).toEqual([]);
  });

  it('refuses a malformed point, naming where', () => {
    const graph = rerouted();
    const bad = {
      ...graph,
      layout: { nodes: {}, edges: { 'a.value->add.a': { points: [{ x: 'left', y: 0 }] } } },
    };
    expect(() => loadGraphDocument(bad, lookup)).toThrow(/layout\.edges\.a\.value->add\.a\.points\.0\.x/);
  });

  it('a graph without reroute points stays byte for byte as it was', () => {
    const graph = diamondGraph();
    const text = JSON.stringify(graph);
    expect(JSON.stringify(loadGraphDocument(JSON.parse(text), lookup).graph)).toBe(text);
  });

  it('never changes cache keys', async () => {
    const keys = async (graph: GraphDocument) =>
      computeCacheKeys(
        planExecution(graph, indexGraph(graph), registry).nodes,
        undefined as never,
        new AbortController().signal,
      );
    expect(await keys(rerouted())).toEqual(await keys(diamondGraph()));
  });

  it('pruning drops the entries of edges the graph no longer has, and only those', () => {
    const graph = rerouted();
    const pruned = pruneEdgeLayout(graph);
    expect(Object.keys(pruned.layout?.edges ?? {})).toEqual([edgeKey(graph.edges[0]!)]);
    expect(pruneEdgeLayout(pruned)).toBe(pruned);
    const noEdges = pruneEdgeLayout({ ...graph, edges: [] });
    expect(noEdges.layout).toEqual({ nodes: {} });
  });

  it('is in the published JSON Schema', () => {
    expect(JSON.stringify(graphJsonSchema())).toContain('points');
  });
});
