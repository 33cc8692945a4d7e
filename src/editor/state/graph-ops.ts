import { canConnect } from '../../core/can-connect';
import type { GraphDocument, GraphEdge, GraphNode, JsonValue, PortRef } from '../../core/document';
import { edgeKey } from '../../core/edge-key';
import { defaultParams, type NodeSpec, type NodeSpecLookup } from '../../core/node-spec';
import { newNodeId } from './ids';

/**
 * Pure edits of a graph document: each takes a document and returns a new
 * one (or the same object when nothing changed). The editor's single source
 * of truth is the document; React Flow's nodes and edges are derived from it.
 */

export interface XY {
  readonly x: number;
  readonly y: number;
}

/** A wire's id on the canvas: the edge's key (also the key of its reroute points in `layout.edges`). */
export function edgeId(edge: GraphEdge): string {
  return edgeKey(edge);
}

export function nodeIds(doc: GraphDocument): Set<string> {
  return new Set(doc.nodes.map((n) => n.id));
}

export function positionOf(doc: GraphDocument, id: string): XY {
  const p = doc.layout?.nodes[id];
  return p ? { x: p.x, y: p.y } : { x: 0, y: 0 };
}

function withPositions(doc: GraphDocument, positions: Readonly<Record<string, XY>>): GraphDocument {
  const layoutNodes = { ...(doc.layout?.nodes ?? {}) };
  for (const [id, p] of Object.entries(positions)) {
    const old = layoutNodes[id];
    layoutNodes[id] = { ...old, x: p.x, y: p.y };
  }
  return { ...doc, layout: { ...doc.layout, nodes: layoutNodes } };
}

/** Adds a node of `spec` with default params at `position`; returns the document and the new id. */
export function addNode(
  doc: GraphDocument,
  spec: NodeSpec,
  position: XY,
  id: string = newNodeId(spec.type, nodeIds(doc)),
): { doc: GraphDocument; id: string } {
  const node: GraphNode = {
    id,
    type: spec.type,
    typeVersion: spec.typeVersion,
    params: defaultParams(spec),
  };
  return { doc: withPositions({ ...doc, nodes: [...doc.nodes, node] }, { [id]: position }), id };
}

export type ConnectResult =
  | { readonly ok: true; readonly doc: GraphDocument }
  | { readonly ok: false; readonly reason: string };

/** Adds the edge `from -> to` when `canConnect` allows it; otherwise says why not. */
export function connect(
  doc: GraphDocument,
  from: PortRef,
  to: PortRef,
  lookup: NodeSpecLookup,
): ConnectResult {
  const verdict = canConnect(doc, from, to, lookup);
  if (!verdict.ok) return { ok: false, reason: verdict.reason };
  const exists = doc.edges.some(
    (e) =>
      e.from.node === from.node &&
      e.from.port === from.port &&
      e.to.node === to.node &&
      e.to.port === to.port,
  );
  if (exists) return { ok: true, doc };
  return { ok: true, doc: { ...doc, edges: [...doc.edges, { from: { ...from }, to: { ...to } }] } };
}

/** The edges into input `to` (at most one in a valid graph). */
export function edgesInto(doc: GraphDocument, to: PortRef): GraphEdge[] {
  return doc.edges.filter((e) => e.to.node === to.node && e.to.port === to.port);
}

/** `doc` without the edges into input `to`. */
export function withoutEdgesInto(doc: GraphDocument, to: PortRef): GraphDocument {
  const occupants = edgesInto(doc, to);
  return occupants.length === 0 ? doc : removeEdges(doc, new Set(occupants.map(edgeId)));
}

/**
 * ComfyUI's habit: a wire dropped on an input that is already taken replaces
 * the old wire (one edit). Refusals other than "already connected" still hold.
 */
export function connectReplacing(
  doc: GraphDocument,
  from: PortRef,
  to: PortRef,
  lookup: NodeSpecLookup,
): ConnectResult {
  const same = edgesInto(doc, to).some((e) => e.from.node === from.node && e.from.port === from.port);
  if (same) return { ok: true, doc };
  const result = connect(withoutEdgesInto(doc, to), from, to, lookup);
  return result;
}

export function removeEdges(doc: GraphDocument, ids: ReadonlySet<string>): GraphDocument {
  if (ids.size === 0) return doc;
  const edges = doc.edges.filter((e) => !ids.has(edgeId(e)));
  return edges.length === doc.edges.length ? doc : { ...doc, edges };
}

/** Removes nodes with their edges, layout entries and group memberships. */
export function deleteNodes(doc: GraphDocument, ids: ReadonlySet<string>): GraphDocument {
  if (ids.size === 0 || !doc.nodes.some((n) => ids.has(n.id))) return doc;
  const next: GraphDocument = {
    ...doc,
    nodes: doc.nodes.filter((n) => !ids.has(n.id)),
    edges: doc.edges.filter((e) => !ids.has(e.from.node) && !ids.has(e.to.node)),
  };
  if (doc.layout) {
    const layoutNodes = Object.fromEntries(Object.entries(doc.layout.nodes).filter(([id]) => !ids.has(id)));
    next.layout = { ...doc.layout, nodes: layoutNodes };
  }
  if (doc.groups) {
    next.groups = doc.groups.map((g) => ({ ...g, nodeIds: g.nodeIds.filter((id) => !ids.has(id)) }));
  }
  return next;
}

export function setParam(doc: GraphDocument, nodeId: string, name: string, value: JsonValue): GraphDocument {
  const index = doc.nodes.findIndex((n) => n.id === nodeId);
  const node = doc.nodes[index];
  if (!node || node.params[name] === value) return doc;
  const nodes = doc.nodes.slice();
  nodes[index] = { ...node, params: { ...node.params, [name]: value } };
  return { ...doc, nodes };
}

export function setTitle(doc: GraphDocument, nodeId: string, title: string): GraphDocument {
  const index = doc.nodes.findIndex((n) => n.id === nodeId);
  const node = doc.nodes[index];
  if (!node) return doc;
  const nodes = doc.nodes.slice();
  const { title: _old, ...rest } = node;
  nodes[index] = title.trim() === '' ? rest : { ...rest, title };
  return { ...doc, nodes };
}

/** Moves nodes; positions of unknown ids are ignored. */
export function moveNodes(doc: GraphDocument, positions: Readonly<Record<string, XY>>): GraphDocument {
  const known = nodeIds(doc);
  const entries = Object.entries(positions).filter(([id]) => known.has(id));
  if (entries.length === 0) return doc;
  return withPositions(doc, Object.fromEntries(entries));
}

export function setViewport(
  doc: GraphDocument,
  viewport: { x: number; y: number; zoom: number },
): GraphDocument {
  return { ...doc, layout: { nodes: doc.layout?.nodes ?? {}, ...doc.layout, viewport } };
}

/** Gives every node without a stored position one, in a loose grid, so the canvas never stacks them at 0,0. */
export function ensurePositions(doc: GraphDocument): GraphDocument {
  const missing = doc.nodes.filter((n) => !doc.layout?.nodes[n.id]);
  if (missing.length === 0) return doc;
  const positions: Record<string, XY> = {};
  missing.forEach((n, i) => {
    positions[n.id] = { x: (i % 5) * 300, y: Math.floor(i / 5) * 260 };
  });
  return withPositions(doc, positions);
}
