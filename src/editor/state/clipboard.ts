import { z } from 'zod';
import { canConnect } from '../../core/can-connect';
import {
  edgeSchema,
  type GraphDocument,
  type GraphEdge,
  type GraphNode,
  nodeSchema,
} from '../../core/document';
import type { NodeSpecLookup } from '../../core/node-spec';
import { moveNodes, nodeIds, type XY } from './graph-ops';
import { uniqueId } from './ids';

export const CLIPBOARD_FORMAT = 'kosmograph.clipboard';

/** What Copy puts on the clipboard: the selected nodes, the edges between them, their positions. */
export const clipboardSchema = z
  .object({
    format: z.literal(CLIPBOARD_FORMAT),
    nodes: z.array(nodeSchema).max(10_000),
    edges: z.array(edgeSchema),
    positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() })),
    /** Wires into the copied nodes from nodes outside the copy (Ctrl+Shift+V pastes them too). */
    inputs: z.array(edgeSchema).optional(),
  })
  .strict();

export type ClipboardPayload = z.infer<typeof clipboardSchema>;

export function copyNodes(doc: GraphDocument, ids: ReadonlySet<string>): ClipboardPayload {
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  const edges = doc.edges.filter((e) => ids.has(e.from.node) && ids.has(e.to.node));
  const inputs = doc.edges.filter((e) => !ids.has(e.from.node) && ids.has(e.to.node));
  const positions: Record<string, XY> = {};
  for (const n of nodes) {
    const p = doc.layout?.nodes[n.id];
    positions[n.id] = { x: p?.x ?? 0, y: p?.y ?? 0 };
  }
  return {
    format: CLIPBOARD_FORMAT,
    nodes: structuredClone(nodes),
    edges: structuredClone(edges),
    positions,
    ...(inputs.length > 0 ? { inputs: structuredClone(inputs) } : {}),
  };
}

/** Parses clipboard text; undefined when it is not a kosmograph clipboard. */
export function parseClipboard(text: string): ClipboardPayload | undefined {
  try {
    const parsed = clipboardSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export interface PasteResult {
  readonly doc: GraphDocument;
  /** Ids of the pasted nodes, in clipboard order. */
  readonly ids: readonly string[];
  /** Edges from the clipboard that the graph refused (with why). */
  readonly dropped: readonly { readonly edge: GraphEdge; readonly reason: string }[];
}

/**
 * Pastes `payload` into `doc`: every node gets a new id (its old id if free,
 * else `id_2`, ...), positions are shifted by `offset`, and each internal
 * edge is re-validated with `canConnect` before it is added. With
 * `withInputs` (Ctrl+Shift+V), the copied nodes' wires from nodes outside the
 * copy are made again where those nodes are still in `doc`.
 */
export function pasteNodes(
  doc: GraphDocument,
  payload: ClipboardPayload,
  lookup: NodeSpecLookup,
  offset: XY,
  withInputs = false,
): PasteResult {
  const taken = nodeIds(doc);
  const rename = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const node of payload.nodes) {
    if (rename.has(node.id)) continue;
    const id = uniqueId(node.id, taken);
    taken.add(id);
    rename.set(node.id, id);
    nodes.push({ ...structuredClone(node), id });
  }
  let next: GraphDocument = { ...doc, nodes: [...doc.nodes, ...nodes] };
  const positions: Record<string, XY> = {};
  for (const [oldId, newId] of rename) {
    const p = payload.positions[oldId] ?? { x: 0, y: 0 };
    positions[newId] = { x: p.x + offset.x, y: p.y + offset.y };
  }
  next = moveNodes(next, positions);
  const dropped: { edge: GraphEdge; reason: string }[] = [];
  const edges = [...next.edges];
  for (const edge of payload.edges) {
    const from = rename.get(edge.from.node);
    const to = rename.get(edge.to.node);
    if (!from || !to) continue;
    const candidate: GraphEdge = {
      from: { node: from, port: edge.from.port },
      to: { node: to, port: edge.to.port },
    };
    const verdict = canConnect({ nodes: next.nodes, edges }, candidate.from, candidate.to, lookup);
    if (verdict.ok) edges.push(candidate);
    else dropped.push({ edge: candidate, reason: verdict.reason });
  }
  const present = new Set(doc.nodes.map((n) => n.id));
  for (const edge of withInputs ? (payload.inputs ?? []) : []) {
    const to = rename.get(edge.to.node);
    if (!to || rename.has(edge.from.node) || !present.has(edge.from.node)) continue;
    const candidate: GraphEdge = { from: edge.from, to: { node: to, port: edge.to.port } };
    const verdict = canConnect({ nodes: next.nodes, edges }, candidate.from, candidate.to, lookup);
    if (verdict.ok) edges.push(candidate);
    else dropped.push({ edge: candidate, reason: verdict.reason });
  }
  return { doc: { ...next, edges }, ids: [...rename.values()], dropped };
}
