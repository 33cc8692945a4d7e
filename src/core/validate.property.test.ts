import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arithmeticRegistry } from '../../test/fixtures/arithmetic-registry';
import { type ConnectionVerdict, canConnect } from './can-connect';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument, type JsonValue, type PortRef } from './document';
import { indexGraph } from './graph-index';
import { type NodeSpecLookup, outputPort } from './node-spec';
import { type SocketType, socketAccepts } from './socket-types';
import { topologicalOrder, upstreamClosure } from './topology';
import { outputNodeIds, validateGraph } from './validate';
import { checkParams } from './validate-params';
import type { ValidationIssue } from './validation-error';

// ---------------------------------------------------------------------------------------------------
// The oracle: validateGraph, canConnect, upstreamClosure and topologicalOrder as they were before the
// graph index (quadratic to cubic time), copied verbatim but for their names. The indexed versions
// must return exactly what these return, issue for issue and in the same order.
// ---------------------------------------------------------------------------------------------------

type Edges = GraphDocument['edges'];

function oracleUpstreamClosure(edges: Edges, roots: Iterable<string>): Set<string> {
  const result = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (result.has(id)) continue;
    result.add(id);
    for (const edge of edges) if (edge.to.node === id) stack.push(edge.from.node);
  }
  return result;
}

function oracleTopologicalOrder(
  nodeIds: readonly string[],
  edges: Edges,
): { order: readonly string[]; cyclic: readonly string[] } {
  const members = new Set(nodeIds);
  const indegree = new Map(nodeIds.map((id) => [id, 0]));
  const successors = new Map<string, string[]>(nodeIds.map((id) => [id, []]));
  for (const edge of edges) {
    if (!members.has(edge.from.node) || !members.has(edge.to.node)) continue;
    indegree.set(edge.to.node, (indegree.get(edge.to.node) ?? 0) + 1);
    successors.get(edge.from.node)!.push(edge.to.node);
  }
  const ready = nodeIds.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const next of successors.get(id) ?? []) {
      const remaining = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, remaining);
      if (remaining === 0) ready.push(next);
    }
  }
  const placed = new Set(order);
  return { order, cyclic: nodeIds.filter((id) => !placed.has(id)) };
}

const refuse = (code: ValidationIssue['code'], reason: string): ConnectionVerdict => ({
  ok: false,
  code,
  reason,
});

function oracleReaches(graph: Pick<GraphDocument, 'edges'>, start: string, goal: string): boolean {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node === goal) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const edge of graph.edges) if (edge.from.node === node) stack.push(edge.to.node);
  }
  return false;
}

const PARAM_SOCKET: Record<string, SocketType | undefined> = {
  int: 'INT',
  seed: 'INT',
  float: 'FLOAT',
  string: 'STRING',
  enum: 'STRING',
  boolean: 'BOOLEAN',
};

function oracleCanConnect(
  graph: Pick<GraphDocument, 'nodes' | 'edges'>,
  from: PortRef,
  to: PortRef,
  lookup: NodeSpecLookup,
): ConnectionVerdict {
  const source = graph.nodes.find((n) => n.id === from.node);
  const target = graph.nodes.find((n) => n.id === to.node);
  if (!source) return refuse('dangling_edge', `no node "${from.node}"`);
  if (!target) return refuse('dangling_edge', `no node "${to.node}"`);
  const sourceSpec = lookup(source.type);
  const targetSpec = lookup(target.type);
  if (!sourceSpec)
    return refuse('unknown_node_type', `node "${source.id}" has unknown type "${source.type}"`);
  if (!targetSpec)
    return refuse('unknown_node_type', `node "${target.id}" has unknown type "${target.type}"`);
  const out = outputPort(sourceSpec, from.port);
  if (!out) return refuse('unknown_port', `${sourceSpec.title} has no output "${from.port}"`);
  // An input port, else a wireable param (its socket type by its kind).
  const port = targetSpec.inputs.find((p) => p.name === to.port);
  const param = port ? undefined : targetSpec.params.find((p) => p.name === to.port);
  const paramType = param && PARAM_SOCKET[param.kind];
  const input = port ?? (paramType ? { type: paramType } : undefined);
  if (!input)
    return refuse('unknown_port', `${targetSpec.title} has no input or wireable param "${to.port}"`);
  if (!socketAccepts(input.type, out.type)) {
    return refuse(
      'type_mismatch',
      `type mismatch: ${out.type} output "${from.port}" cannot feed ${input.type} ${port ? 'input' : 'param'} "${to.port}"`,
    );
  }
  const occupant = graph.edges.find((e) => e.to.node === to.node && e.to.port === to.port);
  if (occupant && (occupant.from.node !== from.node || occupant.from.port !== from.port)) {
    return refuse(
      'duplicate_input_edge',
      `input "${to.port}" of "${to.node}" is already connected to "${occupant.from.node}.${occupant.from.port}"`,
    );
  }
  if (!occupant && (from.node === to.node || oracleReaches(graph, to.node, from.node))) {
    return refuse('cycle', `connecting "${from.node}" to "${to.node}" would create a cycle`);
  }
  return { ok: true };
}

/** `validateGraph` before the graph index: canConnect per edge against `edges.slice(0, index)`. */
function quadraticValidateGraphOracle(graph: GraphDocument, lookup: NodeSpecLookup): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (seen.has(node.id)) {
      issues.push({
        code: 'duplicate_node_id',
        nodeId: node.id,
        message: `node id "${node.id}" is used twice`,
      });
    }
    seen.add(node.id);
    const spec = lookup(node.type);
    if (!spec) {
      issues.push({
        code: 'unknown_node_type',
        nodeId: node.id,
        message: `unknown node type "${node.type}" (kept as a placeholder; install or remove it)`,
      });
      continue;
    }
    if (node.typeVersion > spec.typeVersion) {
      issues.push({
        code: 'unsupported_node_version',
        nodeId: node.id,
        message: `${spec.title} version ${node.typeVersion} is newer than this kosmograph (${spec.typeVersion}); update kosmograph`,
      });
    }
    issues.push(...checkParams(node.id, spec, node.params));
  }

  graph.edges.forEach((edge, index) => {
    const verdict = oracleCanConnect(
      { nodes: graph.nodes, edges: graph.edges.slice(0, index) },
      edge.from,
      edge.to,
      lookup,
    );
    const repeated = graph.edges
      .slice(0, index)
      .some(
        (e) =>
          e.to.node === edge.to.node &&
          e.to.port === edge.to.port &&
          e.from.node === edge.from.node &&
          e.from.port === edge.from.port,
      );
    if (verdict.ok && repeated) {
      issues.push({
        code: 'duplicate_edge',
        nodeId: edge.to.node,
        port: edge.to.port,
        message: `the edge "${edge.from.node}.${edge.from.port}" -> "${edge.to.node}.${edge.to.port}" is listed twice`,
      });
      return;
    }
    if (verdict.ok || verdict.code === 'cycle' || verdict.code === 'unknown_node_type') return;
    const targetMissing = verdict.code === 'dangling_edge' && !graph.nodes.some((n) => n.id === edge.to.node);
    issues.push({
      code: verdict.code,
      nodeId: targetMissing ? edge.from.node : edge.to.node,
      port: targetMissing ? edge.from.port : edge.to.port,
      message: verdict.reason,
    });
  });

  const { cyclic } = oracleTopologicalOrder(
    graph.nodes.map((n) => n.id),
    graph.edges,
  );
  if (cyclic.length > 0) {
    issues.push({
      code: 'cycle',
      nodeId: cyclic[0],
      message: `the graph has a cycle through ${cyclic.map((id) => `"${id}"`).join(', ')}`,
    });
  }

  const outputs = outputNodeIds(graph, lookup);
  if (outputs.length === 0) {
    issues.push({
      code: 'no_output_node',
      message: 'the graph has no output node (add a Save Image or Preview Image node)',
    });
  }
  const needed = oracleUpstreamClosure(graph.edges, outputs);
  for (const node of graph.nodes) {
    const id = node.id;
    const spec = lookup(node.type);
    if (!needed.has(id) || !spec) continue;
    for (const port of spec.inputs) {
      if (port.optional) continue;
      if (!graph.edges.some((e) => e.to.node === id && e.to.port === port.name)) {
        issues.push({
          code: 'missing_input',
          nodeId: id,
          port: port.name,
          message: `required ${port.type} input "${port.name}" is not connected`,
        });
      }
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------------
// Random graphs: few ids (so duplicate ids, several edges into one input, in-degrees past the index's
// small-degree path and cycles are common), dangling ids, unknown types and ports, type mismatches
// (TEXT into LATENT), and edges that mostly use real ports of the nodes they join.
// ---------------------------------------------------------------------------------------------------

const lookup = arithmeticRegistry().lookup;
const NODE_IDS = ['a', 'b', 'c', 'd', 'e', 'f', 's1', 's2'];
const DANGLING_IDS = Array.from({ length: 30 }, (_, i) => `ghost${i}`);
const PORTS = ['value', 'sum', 'a', 'b', 'c', 'x', 'text', 'nope'];
const TYPES = ['constant', 'add', 'slow', 'text', 'sink', 'sink', 'add', 'text', 'unknown'].map(
  (t) => `test.${t}`,
);

type Node = GraphDocument['nodes'][number];
type Edge = GraphDocument['edges'][number];

const paramsArb: fc.Arbitrary<Record<string, JsonValue>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.dictionary(
      fc.constantFrom('value', 'mode', 'steps', 'z'),
      fc.oneof(
        fc.integer({ min: -2000, max: 2000 }),
        fc.constantFrom('plain', 'double', 'triple'),
        fc.boolean(),
      ),
      { maxKeys: 2 },
    ),
  },
);
/** A node whose id comes from the first `idCount` ids: few ids make duplicates and dense graphs. */
const nodeArb = (idCount: number): fc.Arbitrary<Node> =>
  fc.record({
    id: fc.constantFrom(...NODE_IDS.slice(0, idCount)),
    type: fc.constantFrom(...TYPES),
    typeVersion: fc.constantFrom(1, 1, 1, 1, 1, 2, 3),
    params: paramsArb,
  });

/** An edge between random ids (many of them dangling) and ports. */
const randomEdgeArb: fc.Arbitrary<Edge> = fc.record({
  from: fc.record({ node: fc.constantFrom(...NODE_IDS, ...DANGLING_IDS), port: fc.constantFrom(...PORTS) }),
  to: fc.record({ node: fc.constantFrom(...NODE_IDS, ...DANGLING_IDS), port: fc.constantFrom(...PORTS) }),
});

/** An edge from an output of one node to an input of another (by their types), as the editor makes them. */
function plausibleEdgeArb(nodes: readonly Node[]): fc.Arbitrary<Edge> {
  return fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat()).map(([i, j, p, q]) => {
    const source = nodes[i % nodes.length]!;
    const target = nodes[j % nodes.length]!;
    const outputs = lookup(source.type)?.outputs.map((o) => o.name) ?? [];
    const inputs = lookup(target.type)?.inputs.map((o) => o.name) ?? [];
    return {
      from: { node: source.id, port: outputs[p % Math.max(outputs.length, 1)] ?? 'value' },
      to: { node: target.id, port: inputs[q % Math.max(inputs.length, 1)] ?? 'a' },
    };
  });
}

/** Nodes with distinct ids from the first `idCount`, then now and then a few more that repeat an id. */
const nodesArb: fc.Arbitrary<Node[]> = fc.integer({ min: 1, max: NODE_IDS.length }).chain((idCount) =>
  fc
    .tuple(
      fc.uniqueArray(nodeArb(idCount), { selector: (n) => n.id, maxLength: idCount }),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.array(nodeArb(idCount), { maxLength: 3 }) },
      ),
      fc.nat(),
    )
    .map(([unique, repeated, at]) => {
      const nodes = [...unique];
      nodes.splice(at % (nodes.length + 1), 0, ...repeated);
      return nodes;
    }),
);

const graphArb: fc.Arbitrary<GraphDocument> = nodesArb.chain((nodes) =>
  fc.record({
    format: fc.constant(GRAPH_FORMAT),
    version: fc.constant(GRAPH_VERSION),
    nodes: fc.constant(nodes),
    edges: fc.array(
      nodes.length === 0
        ? randomEdgeArb
        : fc.oneof(
            { weight: 6, arbitrary: plausibleEdgeArb(nodes) },
            { weight: 1, arbitrary: randomEdgeArb },
          ),
      { maxLength: 60, size: 'medium' },
    ),
  }),
) as fc.Arbitrary<GraphDocument>;

const reversedEdges = (graph: GraphDocument): GraphDocument => ({
  ...graph,
  edges: [...graph.edges].reverse(),
});

const portRefArb = fc.record({
  node: fc.constantFrom(...NODE_IDS, 'ghost0'),
  port: fc.constantFrom(...PORTS),
});

describe('validateGraph over the graph index, against quadraticValidateGraphOracle', () => {
  it('returns exactly the old issues on random graphs, with edges in either order', () => {
    fc.assert(
      fc.property(graphArb, (graph) => {
        for (const g of [graph, reversedEdges(graph)]) {
          expect(validateGraph(g, lookup)).toEqual(quadraticValidateGraphOracle(g, lookup));
          expect(validateGraph(g, lookup, indexGraph(g))).toEqual(quadraticValidateGraphOracle(g, lookup));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('returns exactly the old issues on chains with shuffled edges and a few stray ones', () => {
    const chainArb = fc
      .tuple(fc.integer({ min: 2, max: 30 }), fc.array(randomEdgeArb, { maxLength: 4 }), fc.nat())
      .map(([n, extra, seed]) => {
        const nodes: Node[] = [{ id: 'a', type: 'test.constant', typeVersion: 2, params: {} }];
        for (let i = 1; i < n - 1; i++)
          nodes.push({ id: `n${i}`, type: 'test.slow', typeVersion: 1, params: {} });
        nodes.push({ id: 's1', type: 'test.sink', typeVersion: 1, params: {} });
        const edges: Edge[] = [];
        for (let i = 1; i < n; i++) {
          edges.push({
            from: { node: nodes[i - 1]!.id, port: i === 1 ? 'value' : 'x' },
            to: { node: nodes[i]!.id, port: i === n - 1 ? 'value' : 'x' },
          });
        }
        edges.push(...extra);
        // A deterministic shuffle (fast-check shrinks the seed).
        let state = seed + 1;
        for (let i = edges.length - 1; i > 0; i--) {
          state = (state * 1103515245 + 12345) % 2147483648;
          const j = state % (i + 1);
          [edges[i], edges[j]] = [edges[j]!, edges[i]!];
        }
        return { format: GRAPH_FORMAT, version: GRAPH_VERSION, nodes, edges } as GraphDocument;
      });
    fc.assert(
      fc.property(chainArb, (graph) => {
        expect(validateGraph(graph, lookup)).toEqual(quadraticValidateGraphOracle(graph, lookup));
      }),
      { numRuns: 300 },
    );
  });
});

describe('canConnect over the graph index, against the old one', () => {
  it('gives the same verdict for the graph and for its prebuilt index', () => {
    fc.assert(
      fc.property(graphArb, portRefArb, portRefArb, (graph, from, to) => {
        const expected = oracleCanConnect(graph, from, to, lookup);
        expect(canConnect(graph, from, to, lookup)).toEqual(expected);
        expect(canConnect(indexGraph(graph), from, to, lookup)).toEqual(expected);
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same verdict for every edge of a graph, re-checked against the whole graph', () => {
    fc.assert(
      fc.property(graphArb, (graph) => {
        const index = indexGraph(graph);
        for (const edge of graph.edges) {
          expect(canConnect(index, edge.from, edge.to, lookup)).toEqual(
            oracleCanConnect(graph, edge.from, edge.to, lookup),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('topology over the graph index, against the old one', () => {
  const idsArb = fc.array(fc.constantFrom(...NODE_IDS, 'ghost0', 'lonely'), { maxLength: 12 });
  it('orders any list of ids (duplicates, unknown ids, subsets) exactly as before', () => {
    fc.assert(
      fc.property(graphArb, idsArb, (graph, ids) => {
        const expected = oracleTopologicalOrder(ids, graph.edges);
        expect(topologicalOrder(ids, graph.edges)).toEqual(expected);
        expect(topologicalOrder(ids, indexGraph(graph))).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('finds the same upstream closure, in the same order', () => {
    fc.assert(
      fc.property(graphArb, idsArb, (graph, roots) => {
        const expected = [...oracleUpstreamClosure(graph.edges, roots)];
        expect([...upstreamClosure(graph.edges, roots)]).toEqual(expected);
        expect([...upstreamClosure(indexGraph(graph), roots)]).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
