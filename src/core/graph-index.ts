import type { GraphDocument } from './document';

type Graph = Pick<GraphDocument, 'nodes' | 'edges'>;
type GraphNode = GraphDocument['nodes'][number];

/**
 * Lookup tables over one graph, built once by `indexGraph` (linear time) so
 * that validation, `canConnect`, topology and the executor's plan never scan
 * all nodes or edges per node, port or edge.
 *
 * Every node id the graph mentions gets a dense integer slot: the slot of a
 * node's id is the position in `graph.nodes` of the first node with that id
 * (so slot `s < graph.nodes.length` is node `graph.nodes[s]`, and the slot of
 * a later node with the same id is unused); ids that only edges name
 * (dangling) get slots from `graph.nodes.length` on. Edges are kept as their
 * positions in `graph.edges`, grouped by target and by source node in
 * document order, so "the edges before edge i" stays answerable (a later
 * edge into a taken input is the duplicate). Read it through the functions
 * below; the typed arrays are shared and must not be changed.
 *
 * An index describes the graph as it was when it was built and holds no copy
 * of it: after changing the graph, build a new one.
 */
export interface GraphIndex {
  readonly graph: Graph;
  /** Slot -> node id. */
  readonly ids: readonly string[];
  /** Node id -> slot, or -1 for an id the graph does not mention. */
  readonly slotOf: (id: string) => number;
  /** Position in `graph.nodes` -> slot of its id: the node's own position unless an earlier node has its id. */
  readonly nodeSlot: Int32Array;
  /** Position in `graph.edges` -> slot of its source node, and of its target node. */
  readonly edgeSource: Int32Array;
  readonly edgeTarget: Int32Array;
  /** Edges into slot s: `into[intoStart[s] .. intoStart[s + 1])`, ascending positions. */
  readonly intoStart: Int32Array;
  readonly into: Int32Array;
  /** Edges out of slot s: `from[fromStart[s] .. fromStart[s + 1])`, ascending positions. */
  readonly fromStart: Int32Array;
  readonly from: Int32Array;
  /** Position of an edge -> position of the first edge into the same input (node and port); itself if first. */
  readonly firstIntoSamePort: Int32Array;
}

/** A node's in-degree up to which its edges are grouped by port by pairwise comparison, not with a Map. */
const SMALL_DEGREE = 8;

/** Groups edge positions by the slot `key` gives them: stable, so each group stays in document order. */
function groupBy(key: Int32Array, slotCount: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(slotCount + 1);
  for (let p = 0; p < key.length; p++) start[key[p]! + 1]! += 1;
  for (let s = 0; s < slotCount; s++) start[s + 1]! += start[s]!;
  const next = start.slice(0, slotCount);
  const order = new Int32Array(key.length);
  for (let p = 0; p < key.length; p++) order[next[key[p]!]!++] = p;
  return { start, order };
}

/** For each edge, the position of the first edge into the same input, found per target node. */
function firstEdgesIntoSamePort(edges: Graph['edges'], intoStart: Int32Array, into: Int32Array): Int32Array {
  const first = new Int32Array(edges.length);
  for (let s = 0; s + 1 < intoStart.length; s++) {
    const begin = intoStart[s]!;
    const end = intoStart[s + 1]!;
    if (end - begin <= SMALL_DEGREE) {
      for (let i = begin; i < end; i++) {
        const p = into[i]!;
        first[p] = p;
        if (i === begin) continue;
        const port = edges[p]!.to.port;
        for (let j = begin; j < i; j++) {
          if (edges[into[j]!]!.to.port === port) {
            first[p] = into[j]!;
            break;
          }
        }
      }
    } else {
      const firstByPort = new Map<string, number>();
      for (let i = begin; i < end; i++) {
        const p = into[i]!;
        const port = edges[p]!.to.port;
        const earlier = firstByPort.get(port);
        if (earlier === undefined) firstByPort.set(port, p);
        first[p] = earlier ?? p;
      }
    }
  }
  return first;
}

/** Indexes `graph` in time linear in its nodes and edges. Pure: the graph is not changed. */
export function indexGraph(graph: Graph): GraphIndex {
  const { nodes, edges } = graph;
  const ids = nodes.map((node) => node.id);
  // Node id -> slot. A plain `Map`: graphs are untrusted input, and V8's string hashing is seeded
  // per process, so no crafted set of ids can make lookups collide. One `set` per node: the last
  // node with an id wins, and only when that lost a node (duplicate ids, which the validator
  // reports) is the table rebuilt so that the first one wins, as the slots promise.
  const table = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) table.set(ids[i]!, i);
  const nodeSlot = new Int32Array(nodes.length);
  if (table.size === nodes.length) {
    for (let i = 0; i < nodes.length; i++) nodeSlot[i] = i;
  } else {
    table.clear();
    for (let i = 0; i < nodes.length; i++) {
      const first = table.get(ids[i]!);
      if (first === undefined) table.set(ids[i]!, i);
      nodeSlot[i] = first ?? i;
    }
  }
  const slotOf = (id: string): number => {
    const slot = table.get(id);
    if (slot !== undefined) return slot;
    ids.push(id);
    table.set(id, ids.length - 1);
    return ids.length - 1;
  };
  const edgeSource = new Int32Array(edges.length);
  const edgeTarget = new Int32Array(edges.length);
  for (let p = 0; p < edges.length; p++) {
    const edge = edges[p]!;
    edgeSource[p] = slotOf(edge.from.node);
    edgeTarget[p] = slotOf(edge.to.node);
  }
  const { start: intoStart, order: into } = groupBy(edgeTarget, ids.length);
  const { start: fromStart, order: from } = groupBy(edgeSource, ids.length);
  return {
    graph,
    ids,
    slotOf: (id) => table.get(id) ?? -1,
    nodeSlot,
    edgeSource,
    edgeTarget,
    intoStart,
    into,
    fromStart,
    from,
    firstIntoSamePort: firstEdgesIntoSamePort(edges, intoStart, into),
  };
}

/** True for a `GraphIndex`, false for a graph (or a `{nodes, edges}` view of one). */
export function isGraphIndex(value: Graph | GraphIndex): value is GraphIndex {
  return 'firstIntoSamePort' in value;
}

/** The first node with id `id` in document order (what `graph.nodes.find` would return). */
export function nodeById(index: GraphIndex, id: string): GraphNode | undefined {
  const slot = index.slotOf(id);
  return slot < 0 ? undefined : index.graph.nodes[slot];
}

/** Whether a node with id `id` exists. */
export function hasNode(index: GraphIndex, id: string): boolean {
  const slot = index.slotOf(id);
  return slot >= 0 && slot < index.graph.nodes.length;
}

const NONE = new Int32Array(0);

/** Positions of the edges into any input of the node at `slot`, in document order. */
export function edgesIntoSlot(index: GraphIndex, slot: number): Int32Array {
  return index.into.subarray(index.intoStart[slot], index.intoStart[slot + 1]);
}

/** Positions of the edges into any input of node `id`, in document order. */
export function edgesInto(index: GraphIndex, id: string): Int32Array {
  const slot = index.slotOf(id);
  return slot < 0 ? NONE : index.into.subarray(index.intoStart[slot], index.intoStart[slot + 1]);
}

/** Positions of the edges out of any output of node `id`, in document order. */
export function edgesFrom(index: GraphIndex, id: string): Int32Array {
  const slot = index.slotOf(id);
  return slot < 0 ? NONE : index.from.subarray(index.fromStart[slot], index.fromStart[slot + 1]);
}

/**
 * Position of the first edge (in document order) into input `port` of node
 * `id`, or -1. Linear in the node's in-degree up to that edge.
 */
export function firstEdgeIntoPort(index: GraphIndex, id: string, port: string): number {
  const slot = index.slotOf(id);
  return slot < 0 ? -1 : firstEdgeIntoSlotPort(index, slot, port);
}

/** `firstEdgeIntoPort` for the node at `slot`. */
export function firstEdgeIntoSlotPort(index: GraphIndex, slot: number, port: string): number {
  const { into, graph } = index;
  for (let i = index.intoStart[slot]!, end = index.intoStart[slot + 1]!; i < end; i++) {
    if (graph.edges[into[i]!]!.to.port === port) return into[i]!;
  }
  return -1;
}

/** Positions of the edges into input `port` of node `id`, in document order. */
export function edgesIntoPort(index: GraphIndex, id: string, port: string): number[] {
  const { edges } = index.graph;
  return Array.from(edgesInto(index, id)).filter((p) => edges[p]!.to.port === port);
}
