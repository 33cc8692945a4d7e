import type { GraphDocument, PortRef } from './document';
import { firstEdgeIntoSlotPort, type GraphIndex, indexGraph, isGraphIndex } from './graph-index';
import { type NodeSpec, type NodeSpecLookup, outputPort, targetPort } from './node-spec';
import { socketAccepts } from './socket-types';
import type { ValidationCode } from './validation-error';

export type ConnectionVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ValidationCode; readonly reason: string };

const refuse = (code: ValidationCode, reason: string): ConnectionVerdict => ({ ok: false, code, reason });

/** True when `start` can reach `goal` by following edges forward (so goal->start closes a cycle). */
function reaches(index: GraphIndex, start: string, goal: string): boolean {
  if (start === goal) return true;
  const { slotOf, fromStart, from, edgeTarget } = index;
  const startSlot = slotOf(start);
  const goalSlot = slotOf(goal);
  if (startSlot < 0 || goalSlot < 0) return false;
  const seen = new Uint8Array(index.ids.length);
  const stack = [startSlot];
  while (stack.length > 0) {
    const slot = stack.pop()!;
    if (slot === goalSlot) return true;
    if (seen[slot] === 1) continue;
    seen[slot] = 1;
    for (let i = fromStart[slot]!, end = fromStart[slot + 1]!; i < end; i++)
      stack.push(edgeTarget[from[i]!]!);
  }
  return false;
}

const inputPortIsParam = (spec: NodeSpec, name: string) => !spec.inputs.some((p) => p.name === name);

/** The spec of the node at a position in `graph.nodes` (by type; undefined for an unknown type). */
type SpecAt = (nodePosition: number) => NodeSpec | undefined;

/**
 * Every rule of `canConnect` but the cycle check, for source and target
 * nodes at slots `sourceSlot` / `targetSlot` (-1: no such id), given the
 * position of the edge already into `to` (-1: none).
 */
function verdictWithoutCycle(
  index: GraphIndex,
  from: PortRef,
  to: PortRef,
  sourceSlot: number,
  targetSlot: number,
  specAt: SpecAt,
  occupantPosition: number,
): ConnectionVerdict | 'unoccupied' {
  const { nodes, edges } = index.graph;
  // Slots below nodes.length are nodes (the first with each id); others are ids only edges name.
  if (sourceSlot < 0 || sourceSlot >= nodes.length) return refuse('dangling_edge', `no node "${from.node}"`);
  if (targetSlot < 0 || targetSlot >= nodes.length) return refuse('dangling_edge', `no node "${to.node}"`);
  const sourceSpec = specAt(sourceSlot);
  const targetSpec = specAt(targetSlot);
  if (!sourceSpec) {
    const source = nodes[sourceSlot]!;
    return refuse('unknown_node_type', `node "${source.id}" has unknown type "${source.type}"`);
  }
  if (!targetSpec) {
    const target = nodes[targetSlot]!;
    return refuse('unknown_node_type', `node "${target.id}" has unknown type "${target.type}"`);
  }
  const out = outputPort(sourceSpec, from.port);
  if (!out) return refuse('unknown_port', `${sourceSpec.title} has no output "${from.port}"`);
  // An input port, or a param fed by a wire (wired-params.ts).
  const input = targetPort(targetSpec, to.port);
  if (!input)
    return refuse('unknown_port', `${targetSpec.title} has no input or wireable param "${to.port}"`);
  if (!socketAccepts(input.type, out.type)) {
    return refuse(
      'type_mismatch',
      `type mismatch: ${out.type} output "${from.port}" cannot feed ${input.type} ${inputPortIsParam(targetSpec, to.port) ? 'param' : 'input'} "${to.port}"`,
    );
  }
  const occupant = occupantPosition < 0 ? undefined : edges[occupantPosition];
  if (!occupant) return 'unoccupied';
  if (occupant.from.node !== from.node || occupant.from.port !== from.port) {
    return refuse(
      'duplicate_input_edge',
      `input "${to.port}" of "${to.node}" is already connected to "${occupant.from.node}.${occupant.from.port}"`,
    );
  }
  return { ok: true };
}

/**
 * `canConnect`'s verdict on the indexed graph's own edge at `position`,
 * against only the edges before it (the validator's rule: a later edge into a
 * taken input is the duplicate), without the cycle check: constant work per
 * edge apart from the port lookups. `specAt` gives the spec of the node at a
 * position in `graph.nodes` (the validator looks each node's type up once).
 * Returns `'unoccupied'` where the rules pass and no earlier edge feeds that
 * input: only then would a cycle check decide (`canConnect`: `ok` or `cycle`).
 */
export function checkEdgeAgainstEarlier(
  index: GraphIndex,
  position: number,
  specAt: SpecAt,
): ConnectionVerdict | 'unoccupied' {
  const edge = index.graph.edges[position]!;
  const first = index.firstIntoSamePort[position]!;
  const verdict = verdictWithoutCycle(
    index,
    edge.from,
    edge.to,
    index.edgeSource[position]!,
    index.edgeTarget[position]!,
    specAt,
    first < position ? first : -1,
  );
  // The same edge listed twice: harmless to the editor's question ("may I connect?"), but a
  // document that repeats an edge is malformed and is refused rather than silently collapsed.
  if (verdict !== 'unoccupied' && verdict.ok && first < position) {
    return refuse(
      'duplicate_edge',
      `the edge "${edge.from.node}.${edge.from.port}" -> "${edge.to.node}.${edge.to.port}" is listed twice`,
    );
  }
  return verdict;
}

/**
 * Whether an edge `from` (an output) -> `to` (an input) may be added to
 * `graph`. The one rule shared by the validator and the editor's
 * `isValidConnection`: both ports exist, the socket types are compatible,
 * the input is still free, and the edge would not close a cycle.
 * An existing identical edge counts as allowed (re-validation of a graph).
 *
 * Takes the graph, or a `GraphIndex` of it when several connections are
 * checked against one graph (`indexGraph` once, then no per-call indexing).
 * Linear in the graph's size per call (the cycle check walks downstream of `to`).
 */
export function canConnect(
  graph: Pick<GraphDocument, 'nodes' | 'edges'>,
  from: PortRef,
  to: PortRef,
  lookup: NodeSpecLookup,
): ConnectionVerdict;
export function canConnect(
  index: GraphIndex,
  from: PortRef,
  to: PortRef,
  lookup: NodeSpecLookup,
): ConnectionVerdict;
export function canConnect(
  graph: Pick<GraphDocument, 'nodes' | 'edges'> | GraphIndex,
  from: PortRef,
  to: PortRef,
  lookup: NodeSpecLookup,
): ConnectionVerdict {
  const index = isGraphIndex(graph) ? graph : indexGraph(graph);
  const { nodes } = index.graph;
  const targetSlot = index.slotOf(to.node);
  const verdict = verdictWithoutCycle(
    index,
    from,
    to,
    index.slotOf(from.node),
    targetSlot,
    (position) => lookup(nodes[position]!.type),
    targetSlot < 0 ? -1 : firstEdgeIntoSlotPort(index, targetSlot, to.port),
  );
  if (verdict !== 'unoccupied') return verdict;
  if (reaches(index, to.node, from.node)) {
    return refuse('cycle', `connecting "${from.node}" to "${to.node}" would create a cycle`);
  }
  return { ok: true };
}
