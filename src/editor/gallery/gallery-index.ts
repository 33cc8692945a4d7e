/**
 * The gallery's order of runs, most recently used first, bounded: adding a
 * run past the limit evicts the least recently used ones (a run is "used"
 * when it is added or its graph is opened again). Pure.
 */
export const GALLERY_LIMIT = 200;

export interface IndexChange {
  readonly ids: readonly string[];
  /** Runs that fell out (their records are to be deleted). */
  readonly evicted: readonly string[];
}

/** `id` becomes the most recent; beyond `limit`, the least recent go. */
export function markUsed(ids: readonly string[], id: string, limit = GALLERY_LIMIT): IndexChange {
  const next = [id, ...ids.filter((x) => x !== id)];
  return { ids: next.slice(0, limit), evicted: next.slice(limit) };
}

export function removeRun(ids: readonly string[], id: string): readonly string[] {
  return ids.filter((x) => x !== id);
}
