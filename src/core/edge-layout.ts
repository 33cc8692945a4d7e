import type { GraphDocument } from './document';
import { edgeKey } from './edge-key';

/**
 * `doc` without the `layout.edges` entries (reroute points) of edges it no longer has; the same
 * object when there are none to drop. The editor calls it whenever it edits the edge set; a loaded
 * document keeps such entries (they are ignored, never an error) until then.
 */
export function pruneEdgeLayout(doc: GraphDocument): GraphDocument {
  const entries = doc.layout?.edges;
  if (!entries) return doc;
  const keys = new Set(doc.edges.map(edgeKey));
  const kept = Object.entries(entries).filter(([key]) => keys.has(key));
  if (kept.length === Object.keys(entries).length) return doc;
  const { edges: _dropped, ...layout } = doc.layout!;
  return { ...doc, layout: kept.length > 0 ? { ...layout, edges: Object.fromEntries(kept) } : layout };
}
