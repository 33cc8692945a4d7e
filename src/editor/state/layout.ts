import dagre from '@dagrejs/dagre';
import type { GraphDocument } from '../../core/document';
import type { NodeSpecLookup } from '../../core/node-spec';
import type { XY } from './graph-ops';

export const NODE_WIDTH = 260;

/** A node's rough size on the canvas, from its ports and params (used when it has not been measured). */
export function estimateSize(
  node: GraphDocument['nodes'][number],
  lookup: NodeSpecLookup,
): { width: number; height: number } {
  const spec = lookup(node.type);
  if (!spec) return { width: NODE_WIDTH, height: 80 };
  const rows = Math.max(spec.inputs.length, spec.outputs.length);
  let height = 44 + rows * 24;
  for (const p of spec.params) {
    if (p.kind === 'string' && p.multiline) height += 90;
    else if (p.kind === 'image') height += 130;
    else height += 48;
  }
  if (spec.isOutput) height += 140;
  return { width: NODE_WIDTH, height };
}

/**
 * Left-to-right layered layout with dagre. `sizes` (measured on the canvas)
 * win over estimates. Returns top-left positions for every node.
 */
export function autoLayout(
  doc: GraphDocument,
  lookup: NodeSpecLookup,
  sizes: Readonly<Record<string, { width: number; height: number }>> = {},
): Record<string, XY> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 80, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of doc.nodes) {
    const size = sizes[node.id] ?? estimateSize(node, lookup);
    g.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of doc.edges) {
    if (g.hasNode(edge.from.node) && g.hasNode(edge.to.node)) g.setEdge(edge.from.node, edge.to.node);
  }
  dagre.layout(g);
  const out: Record<string, XY> = {};
  for (const node of doc.nodes) {
    const laid = g.node(node.id);
    const size = sizes[node.id] ?? estimateSize(node, lookup);
    out[node.id] = { x: Math.round(laid.x - size.width / 2), y: Math.round(laid.y - size.height / 2) };
  }
  return out;
}
