import type { GraphDocument } from './document';
import { type GraphIndex, indexGraph } from './graph-index';

type Edges = GraphDocument['edges'];

/** The index to walk: the one given, or one built over bare edges (nodes are not needed here). */
const indexOf = (edges: Edges | GraphIndex): GraphIndex =>
  Array.isArray(edges) ? indexGraph({ nodes: [], edges }) : edges;

/**
 * Ids of `roots` and every node upstream of them. Takes the edges, or a
 * `GraphIndex` of the graph (then nothing is built): linear in the nodes
 * and edges of the closure.
 */
export function upstreamClosure(edges: Edges | GraphIndex, roots: Iterable<string>): Set<string> {
  const { slotOf, ids, intoStart, into, edgeSource } = indexOf(edges);
  const result = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (result.has(id)) continue;
    result.add(id);
    const slot = slotOf(id);
    if (slot < 0) continue;
    for (let i = intoStart[slot]!, end = intoStart[slot + 1]!; i < end; i++) {
      stack.push(ids[edgeSource[into[i]!]!]!);
    }
  }
  return result;
}

/**
 * `upstreamClosure` as flags by slot (1: in the closure), without building a
 * set of ids. Roots the index does not know are left out (they have no slot).
 */
export function upstreamSlots(index: GraphIndex, roots: Iterable<string>): Uint8Array {
  const { slotOf, intoStart, into, edgeSource } = index;
  const inClosure = new Uint8Array(index.ids.length);
  const stack: number[] = [];
  for (const id of roots) {
    const slot = slotOf(id);
    if (slot >= 0) stack.push(slot);
  }
  while (stack.length > 0) {
    const slot = stack.pop()!;
    if (inClosure[slot] === 1) continue;
    inClosure[slot] = 1;
    for (let i = intoStart[slot]!, end = intoStart[slot + 1]!; i < end; i++) {
      const source = edgeSource[into[i]!]!;
      if (inClosure[source] === 0) stack.push(source);
    }
  }
  return inClosure;
}

export interface TopologicalOrder {
  /** Nodes in an order where every edge points forward; ties keep document order. */
  readonly order: readonly string[];
  /** Nodes on or behind a cycle, which have no order. */
  readonly cyclic: readonly string[];
}

/**
 * Kahn's algorithm over the given node ids; edges touching other ids are
 * ignored. Takes the edges or a `GraphIndex` of the graph. One pass, linear
 * in the nodes and the edges between them, finds the order and every node
 * on or behind a cycle at once.
 */
export function topologicalOrder(nodeIds: readonly string[], edges: Edges | GraphIndex): TopologicalOrder {
  const index = indexOf(edges);
  // Ids the index does not know have no edges; they get entries past the slots.
  const unknown = index.ids.length;
  const entries = nodeIds.map((id, k) => {
    const slot = index.slotOf(id);
    return slot < 0 ? unknown + k : slot;
  });
  const { queue, placed } = kahn(index, entries);
  const order = Array.from(queue, (entry) =>
    entry < unknown ? index.ids[entry]! : nodeIds[entry - unknown]!,
  );
  return { order, cyclic: nodeIds.filter((_, k) => entries[k]! < unknown && placed[entries[k]!] === 0) };
}

/**
 * The nodes of the indexed graph on or behind a cycle, in document order:
 * `topologicalOrder(graph.nodes.map((n) => n.id), index).cyclic`, without
 * building the order.
 */
export function cyclicNodes(index: GraphIndex): string[] {
  const { placed } = kahn(index, index.nodeSlot);
  const cyclic: string[] = [];
  index.nodeSlot.forEach((slot, position) => {
    if (placed[slot] === 0) cyclic.push(index.graph.nodes[position]!.id);
  });
  return cyclic;
}

/**
 * Kahn's algorithm over `entries`: slots of the index, one per listed node
 * (a slot listed twice is processed twice, as a node id listed twice always
 * was), or numbers past the slots for nodes without edges. Returns the
 * entries in the order they were placed, and which slots were placed.
 */
function kahn(index: GraphIndex, entries: ArrayLike<number>): { queue: Int32Array; placed: Uint8Array } {
  const { ids, intoStart, into, fromStart, from, edgeSource, edgeTarget } = index;
  const slotCount = ids.length;
  const member = new Uint8Array(slotCount);
  for (let k = 0; k < entries.length; k++) if (entries[k]! < slotCount) member[entries[k]!] = 1;
  const indegree = new Int32Array(slotCount);
  for (let slot = 0; slot < slotCount; slot++) {
    if (member[slot] === 0) continue;
    let count = 0;
    for (let i = intoStart[slot]!, end = intoStart[slot + 1]!; i < end; i++) {
      if (member[edgeSource[into[i]!]!] === 1) count += 1;
    }
    indegree[slot] = count;
  }
  // Every entry is queued at most once at the start and every slot at most once later (when its
  // in-degree reaches exactly 0), so the queue never outgrows entries + slots.
  const queue = new Int32Array(entries.length + slotCount);
  let tail = 0;
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k]!;
    if (entry >= slotCount || indegree[entry] === 0) queue[tail++] = entry;
  }
  const placed = new Uint8Array(slotCount);
  for (let head = 0; head < tail; head++) {
    const slot = queue[head]!;
    if (slot >= slotCount) continue;
    placed[slot] = 1;
    for (let i = fromStart[slot]!, end = fromStart[slot + 1]!; i < end; i++) {
      const next = edgeTarget[from[i]!]!;
      if (member[next] === 0) continue;
      indegree[next]! -= 1;
      if (indegree[next] === 0) queue[tail++] = next;
    }
  }
  return { queue: queue.subarray(0, tail), placed };
}
