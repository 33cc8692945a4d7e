import type { GraphDocument } from '../../core/document';
import type { NodeSpecLookup } from '../../core/node-spec';
import { outputNodeIds } from '../../core/validate';

/**
 * Which nodes the view fits when a graph opens: all of them when they fit at
 * a zoom where text is readable, else the graph's main path (the longest
 * chain of wires into an output node), and when even that is too long, as
 * much of it as fits, from the output end back (where the results show),
 * with the graph's other output nodes where they fit too.
 * The minimap shows the rest.
 */

/** The smallest zoom at which node text (11-13 px) stays readable. */
export const READABLE_ZOOM = 0.75;

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** The longest chain of nodes (by count) that ends at an output node, in wire order; [] without outputs. */
export function mainPath(doc: GraphDocument, lookup: NodeSpecLookup): string[] {
  const inputsOf = new Map<string, string[]>();
  for (const e of doc.edges) {
    const list = inputsOf.get(e.to.node) ?? [];
    list.push(e.from.node);
    inputsOf.set(e.to.node, list);
  }
  const best = new Map<string, string[]>();
  const visiting = new Set<string>();
  const longestInto = (id: string): string[] => {
    const known = best.get(id);
    if (known) return known;
    if (visiting.has(id)) return [id]; // a cycle (an invalid graph): stop here
    visiting.add(id);
    let longest: string[] = [];
    for (const from of inputsOf.get(id) ?? []) {
      const path = longestInto(from);
      if (path.length > longest.length) longest = path;
    }
    visiting.delete(id);
    const path = [...longest, id];
    best.set(id, path);
    return path;
  };
  let result: string[] = [];
  for (const id of outputNodeIds(doc, lookup)) {
    const path = longestInto(id);
    if (path.length > result.length) result = path;
  }
  return result;
}

/** The zoom at which the boxes of `ids` fit in `view` with React Flow's fitView `padding`. */
export function fitZoom(
  doc: GraphDocument,
  ids: readonly string[],
  sizes: Readonly<Record<string, Size>>,
  view: Size,
  padding: number,
): number {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const id of ids) {
    const p = doc.layout?.nodes[id] ?? { x: 0, y: 0 };
    const s = sizes[id] ?? { width: 260, height: 160 };
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x + s.width);
    maxY = Math.max(maxY, p.y + s.height);
  }
  if (!Number.isFinite(minX)) return Number.POSITIVE_INFINITY;
  // React Flow's numeric padding: the bounds take 1 / (1 + padding) of the view.
  const usable = 1 / (1 + padding);
  return Math.min((view.width * usable) / (maxX - minX || 1), (view.height * usable) / (maxY - minY || 1));
}

/** The node ids to fit the view to (every node when the whole graph is readable at its fit). */
export function readableFitTargets(
  doc: GraphDocument,
  lookup: NodeSpecLookup,
  sizes: Readonly<Record<string, Size>>,
  view: Size,
  padding: number,
): string[] {
  const all = doc.nodes.map((n) => n.id);
  if (fitZoom(doc, all, sizes, view, padding) >= READABLE_ZOOM) return all;
  const path = mainPath(doc, lookup);
  if (path.length === 0) return all;
  const shown: string[] = [];
  for (let i = path.length - 1; i >= 0; i--) {
    const next = [path[i]!, ...shown];
    if (shown.length > 0 && fitZoom(doc, next, sizes, view, padding) < READABLE_ZOOM) break;
    shown.unshift(path[i]!);
  }
  // Other outputs (a Save Latent beside the Save Image) join when they still fit readably.
  for (const id of outputNodeIds(doc, lookup)) {
    if (shown.includes(id)) continue;
    if (fitZoom(doc, [...shown, id], sizes, view, padding) >= READABLE_ZOOM) shown.push(id);
  }
  return shown;
}
