import type { GraphDocument } from './document';

type Edges = GraphDocument['edges'];

/** Ids of `roots` and every node upstream of them. */
export function upstreamClosure(edges: Edges, roots: Iterable<string>): Set<string> {
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

export interface TopologicalOrder {
  /** Nodes in an order where every edge points forward; ties keep document order. */
  readonly order: readonly string[];
  /** Nodes on or behind a cycle, which have no order. */
  readonly cyclic: readonly string[];
}

/** Kahn's algorithm over the given node ids; edges touching other ids are ignored. */
export function topologicalOrder(nodeIds: readonly string[], edges: Edges): TopologicalOrder {
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
