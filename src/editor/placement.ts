import type { GraphDocument } from '../core/document';
import type { NodeSpecLookup } from '../core/node-spec';
import type { XY } from './state/graph-ops';
import { estimateSize } from './state/layout';

/**
 * Where new, pasted and duplicated nodes go: the free spot nearest to where
 * the user asked (the pointer, the view's centre), never on top of another
 * node. Pure geometry on axis-aligned boxes; our own because it is a few
 * lines (a packing library would solve a harder problem than "nearest gap").
 */

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type Sizes = Readonly<Record<string, { width: number; height: number }>>;

/** The space kept free around a placed box. */
export const PLACEMENT_GAP = 24;
/** Candidate spots are tried on this grid, nearest first. */
const STEP = 20;
/** How far (in grid steps) the search goes before it gives up and stacks below everything. */
const RINGS = 80;

export function overlaps(a: Rect, b: Rect, gap = 0): boolean {
  return (
    a.x < b.x + b.width + gap &&
    b.x < a.x + a.width + gap &&
    a.y < b.y + b.height + gap &&
    b.y < a.y + a.height + gap
  );
}

/** Every node's box on the canvas: its position and measured size (estimated when not measured yet). */
export function nodeRects(doc: GraphDocument, lookup: NodeSpecLookup, sizes: Sizes): Map<string, Rect> {
  const out = new Map<string, Rect>();
  for (const node of doc.nodes) {
    const p = doc.layout?.nodes[node.id] ?? { x: 0, y: 0 };
    const size = sizes[node.id] ?? estimateSize(node, lookup);
    out.set(node.id, { x: p.x, y: p.y, width: size.width, height: size.height });
  }
  return out;
}

/**
 * The top-left corner nearest to `desired` where a box of `size` overlaps
 * none of `obstacles` (keeping `gap` between them). Candidates lie on a grid
 * around `desired`, tried by distance, so the answer is stable and close.
 */
export function freeSpot(
  desired: XY,
  size: { width: number; height: number },
  obstacles: Iterable<Rect>,
  gap = PLACEMENT_GAP,
): XY {
  const boxes = [...obstacles];
  const fits = (x: number, y: number) =>
    !boxes.some((b) => overlaps({ x, y, width: size.width, height: size.height }, b, gap));
  const start = { x: Math.round(desired.x), y: Math.round(desired.y) };
  if (fits(start.x, start.y)) return start;
  for (let ring = 1; ring <= RINGS; ring++) {
    // The cells of this ring (Chebyshev distance `ring`), nearest (Euclidean) first.
    const cells: XY[] = [];
    for (let i = -ring; i <= ring; i++) {
      cells.push({ x: i, y: -ring }, { x: i, y: ring });
      if (i !== -ring && i !== ring) cells.push({ x: -ring, y: i }, { x: ring, y: i });
    }
    cells.sort((a, b) => a.x * a.x + a.y * a.y - (b.x * b.x + b.y * b.y) || a.y - b.y || a.x - b.x);
    for (const c of cells) {
      const x = start.x + c.x * STEP;
      const y = start.y + c.y * STEP;
      if (fits(x, y)) return { x, y };
    }
  }
  // Nothing free nearby (a huge, dense graph): below everything.
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: start.x, y: bottom + gap };
}

/** The smallest box holding every rect (undefined for none). */
export function boundingBox(rects: Iterable<Rect>): Rect | undefined {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const r of rects) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.width);
    maxY = Math.max(maxY, r.y + r.height);
  }
  if (minX === Number.POSITIVE_INFINITY) return undefined;
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/**
 * The offset that moves a group of boxes (pasted or duplicated nodes, kept in
 * their arrangement) so that the group's box lands in free space, its centre
 * as near to `centre` as the free space allows.
 */
export function placeGroup(group: readonly Rect[], obstacles: Iterable<Rect>, centre: XY): XY {
  const box = boundingBox(group);
  if (!box) return { x: 0, y: 0 };
  const spot = freeSpot({ x: centre.x - box.width / 2, y: centre.y - box.height / 2 }, box, obstacles);
  return { x: spot.x - box.x, y: spot.y - box.y };
}

/**
 * A node grew (an output image arrived, a stage line appeared): the nodes it
 * now covers move out of its way, down when they start below its top, else
 * right, and so on for the nodes those cover in turn. Returns the new
 * positions of the nodes that moved (none when nothing is covered).
 */
export function makeRoom(
  rects: ReadonlyMap<string, Rect>,
  grownId: string,
  before: { width: number; height: number },
  gap = PLACEMENT_GAP,
): Record<string, XY> {
  const boxes = new Map(rects);
  const grown = boxes.get(grownId);
  if (!grown) return {};
  const old: Rect = { ...grown, width: before.width, height: before.height };
  const moved: Record<string, XY> = {};
  const queue: string[] = [grownId];
  for (let guard = 0; queue.length > 0 && guard < 10_000; guard++) {
    const pusherId = queue.shift()!;
    const pusher = boxes.get(pusherId)!;
    for (const [id, box] of boxes) {
      if (id === pusherId || !overlaps(pusher, box)) continue;
      // Nodes that the grown node already covered before it grew were placed so by the user: left alone.
      if (pusherId === grownId && overlaps(old, box)) continue;
      const below = box.y >= pusher.y;
      const next: Rect = below
        ? { ...box, y: pusher.y + pusher.height + gap }
        : { ...box, x: pusher.x + pusher.width + gap };
      boxes.set(id, next);
      moved[id] = { x: next.x, y: next.y };
      queue.push(id);
    }
  }
  return moved;
}
