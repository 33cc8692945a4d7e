import type { GraphDocument, PortRef } from './document';
import { inputPort, type NodeSpecLookup, outputPort } from './node-spec';
import { socketAccepts } from './socket-types';
import type { ValidationCode } from './validation-error';

export type ConnectionVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ValidationCode; readonly reason: string };

const refuse = (code: ValidationCode, reason: string): ConnectionVerdict => ({ ok: false, code, reason });

/** True when `target` can reach `source` by following edges forward (so source->target closes a cycle). */
function reaches(graph: Pick<GraphDocument, 'edges'>, start: string, goal: string): boolean {
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

/**
 * Whether an edge `from` (an output) -> `to` (an input) may be added to
 * `graph`. The one rule shared by the validator and the editor's
 * `isValidConnection`: both ports exist, the socket types are compatible,
 * the input is still free, and the edge would not close a cycle.
 * An existing identical edge counts as allowed (re-validation of a graph).
 */
export function canConnect(
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
  const input = inputPort(targetSpec, to.port);
  if (!input) return refuse('unknown_port', `${targetSpec.title} has no input "${to.port}"`);
  if (!socketAccepts(input.type, out.type)) {
    return refuse(
      'type_mismatch',
      `type mismatch: ${out.type} output "${from.port}" cannot feed ${input.type} input "${to.port}"`,
    );
  }
  const occupant = graph.edges.find((e) => e.to.node === to.node && e.to.port === to.port);
  if (occupant && (occupant.from.node !== from.node || occupant.from.port !== from.port)) {
    return refuse(
      'duplicate_input_edge',
      `input "${to.port}" of "${to.node}" is already connected to "${occupant.from.node}.${occupant.from.port}"`,
    );
  }
  if (!occupant && (from.node === to.node || reaches(graph, to.node, from.node))) {
    return refuse('cycle', `connecting "${from.node}" to "${to.node}" would create a cycle`);
  }
  return { ok: true };
}
