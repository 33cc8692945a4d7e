import type { GraphDocument } from '../../core/document';
import { type NodeSpecLookup, paramInputPort } from '../../core/node-spec';
import { edgeId, removeEdges } from './graph-ops';

/**
 * Params shown as input sockets ("Convert to input", ComfyUI's habit): listed in
 * `layout.nodes.<id>.paramInputs` (looks only, so a converted param keeps its socket before it is
 * wired and across reloads), and every param with a wire into it (derived from the edges, so a
 * graph written by hand or imported shows its wired params without a layout entry).
 */

const NONE: readonly string[] = [];

export function listedParamInputs(doc: GraphDocument, nodeId: string): readonly string[] {
  return doc.layout?.nodes[nodeId]?.paramInputs ?? NONE;
}

function withListed(doc: GraphDocument, nodeId: string, names: readonly string[]): GraphDocument {
  const nodes = { ...(doc.layout?.nodes ?? {}) };
  const { paramInputs: _old, ...entry } = nodes[nodeId] ?? { x: 0, y: 0 };
  nodes[nodeId] = names.length > 0 ? { ...entry, paramInputs: [...names] } : entry;
  return { ...doc, layout: { ...doc.layout, nodes } };
}

/** Shows param `name` of node `nodeId` as an input socket (nothing when it is not wireable). */
export function showParamAsInput(
  doc: GraphDocument,
  nodeId: string,
  name: string,
  lookup: NodeSpecLookup,
): GraphDocument {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const spec = node ? lookup(node.type) : undefined;
  if (!spec || !paramInputPort(spec, name)) return doc;
  const listed = listedParamInputs(doc, nodeId);
  return listed.includes(name) ? doc : withListed(doc, nodeId, [...listed, name]);
}

/** Back to a widget: the socket goes, and so does a wire into it (the stored value is used again). */
export function showParamAsWidget(doc: GraphDocument, nodeId: string, name: string): GraphDocument {
  const wires = doc.edges.filter((e) => e.to.node === nodeId && e.to.port === name);
  const unwired = removeEdges(doc, new Set(wires.map(edgeId)));
  const listed = listedParamInputs(unwired, nodeId);
  return listed.includes(name)
    ? withListed(
        unwired,
        nodeId,
        listed.filter((n) => n !== name),
      )
    : unwired;
}

const sourcesCache = new WeakMap<GraphDocument['edges'], Map<string, string>>();

/**
 * Every wire into node `nodeId` as one stable string, `port<TAB>node.port` per line (for narrow
 * selectors: equal while the node's wires stay the same); `wireSources` reads it back.
 */
export function wireSourcesKey(doc: GraphDocument, nodeId: string): string {
  let index = sourcesCache.get(doc.edges);
  if (!index) {
    const lines = new Map<string, string[]>();
    for (const e of doc.edges) {
      const list = lines.get(e.to.node) ?? [];
      list.push(`${e.to.port}\t${e.from.node}.${e.from.port}`);
      lines.set(e.to.node, list);
    }
    index = new Map([...lines].map(([id, list]) => [id, list.sort().join('\n')]));
    sourcesCache.set(doc.edges, index);
  }
  return index.get(nodeId) ?? '';
}

/** Port -> `node.port` feeding it, from `wireSourcesKey`. */
export function wireSources(key: string): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (key === '') return out;
  for (const line of key.split('\n')) {
    const tab = line.indexOf('\t');
    if (!out.has(line.slice(0, tab))) out.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return out;
}
