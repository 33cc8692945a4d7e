import type { GraphDocument } from '../../core/document';
import { edgeKey } from '../../core/edge-key';
import type { XY } from './graph-ops';

/**
 * Reroute points: waypoints a wire is drawn through (ComfyUI's native link reroutes), kept in
 * `layout.edges[edgeKey].points` (looks only; `core/edge-layout.ts` drops entries of edges that
 * are gone). Pure edits; each returns the same document when nothing changes.
 */

const NO_POINTS: readonly XY[] = [];

export function reroutePoints(doc: GraphDocument, key: string): readonly XY[] {
  return doc.layout?.edges?.[key]?.points ?? NO_POINTS;
}

function withPoints(doc: GraphDocument, key: string, points: readonly XY[]): GraphDocument {
  const edges = { ...(doc.layout?.edges ?? {}) };
  if (points.length === 0) delete edges[key];
  else edges[key] = { points: points.map((p) => ({ x: p.x, y: p.y })) };
  const { edges: _old, ...rest } = doc.layout ?? { nodes: {} };
  const layout = Object.keys(edges).length > 0 ? { ...rest, edges } : rest;
  return { ...doc, layout: { ...layout, nodes: layout.nodes ?? {} } };
}

/** Squared distance from `p` to the segment a-b. */
function segmentDistance2(p: XY, a: XY, b: XY): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  const x = a.x + t * dx - p.x;
  const y = a.y + t * dy - p.y;
  return x * x + y * y;
}

/**
 * Where a point clicked at `at` goes among `points` on the wire `source` -> points -> `target`:
 * after the waypoint that starts the nearest leg (legs measured as straight lines).
 */
export function insertionIndex(source: XY, points: readonly XY[], target: XY, at: XY): number {
  const path = [source, ...points, target];
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i + 1 < path.length; i++) {
    const d = segmentDistance2(at, path[i]!, path[i + 1]!);
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  }
  return best;
}

/** Adds a reroute point at `at` on the wire `key`, in the leg nearest to it. */
export function addReroute(
  doc: GraphDocument,
  key: string,
  ends: { readonly source: XY; readonly target: XY },
  at: XY,
): { doc: GraphDocument; index: number } {
  if (!doc.edges.some((e) => edgeKey(e) === key)) return { doc, index: -1 };
  const points = reroutePoints(doc, key);
  const index = insertionIndex(ends.source, points, ends.target, at);
  const next = [...points.slice(0, index), at, ...points.slice(index)];
  return { doc: withPoints(doc, key, next), index };
}

export function moveReroute(doc: GraphDocument, key: string, index: number, to: XY): GraphDocument {
  const points = reroutePoints(doc, key);
  const old = points[index];
  if (!old || (old.x === to.x && old.y === to.y)) return doc;
  return withPoints(
    doc,
    key,
    points.map((p, i) => (i === index ? to : p)),
  );
}

export function removeReroute(doc: GraphDocument, key: string, index: number): GraphDocument {
  const points = reroutePoints(doc, key);
  if (index < 0 || index >= points.length) return doc;
  return withPoints(
    doc,
    key,
    points.filter((_, i) => i !== index),
  );
}
