import type { GraphEdge } from './document';

/**
 * The stable key of an edge, `from.node.from.port->to.node.to.port`: the editor's wire id and the
 * key of the edge's entry in `layout.edges` (its reroute points). A valid document never lists an
 * edge twice (`duplicate_edge`), so the key names one edge. Node ids may contain `.`, but port names
 * are the specs' own identifiers, so two edges of a valid graph never share a key.
 */
export function edgeKey(edge: Pick<GraphEdge, 'from' | 'to'>): string {
  return `${edge.from.node}.${edge.from.port}->${edge.to.node}.${edge.to.port}`;
}
