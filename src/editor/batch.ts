import type { GraphDocument } from '../core/document';
import type { NodeSpecLookup } from '../core/node-spec';
import { wiredParamsOf } from '../core/wired-params';
import { specOf } from './registry';
import { queueRun } from './run-controller';
import { replacePresent } from './state/history';
import { advanceSeeds, MAX_SEED, type SeedModes, seedKey } from './state/seed';
import { currentDoc, editorStore } from './store';

/** Most runs one batch queues. */
export const MAX_BATCH = 100;

/**
 * `doc` with every seed param moved on by `k` (wrapping past MAX_SEED); `k` 0 is `doc` itself.
 * Seeds fed by wires stay (their stored value does not run); a Primitive Seed's own seed moves.
 */
export function seedsPlus(
  doc: GraphDocument,
  k: number,
  lookup: NodeSpecLookup,
  only?: SeedModes,
): GraphDocument {
  if (k === 0) return doc;
  let changed = false;
  // A seed fed by a wire is not the one that runs: its source (a Primitive Seed) moves instead.
  const wired = wiredParamsOf(doc, lookup);
  const nodes = doc.nodes.map((node) => {
    let params = node.params;
    for (const p of lookup(node.type)?.params ?? []) {
      if (p.kind !== 'seed' || wired.get(node.id)?.has(p.name)) continue;
      if (only && only[seedKey(node.id, p.name)] !== 'increment') continue;
      const seed = typeof params[p.name] === 'number' ? (params[p.name] as number) : p.default;
      params = { ...params, [p.name]: (seed + k) % (MAX_SEED + 1) };
      changed = true;
    }
    return params === node.params ? node : { ...node, params };
  });
  return changed ? { ...doc, nodes } : doc;
}

/**
 * The document after a batch of `count` runs of `doc`: as after one run
 * (each seed's mode applied), with the seeds set to increment moved past
 * every run of the batch; fixed seeds stay as they were.
 */
export function afterBatch(
  doc: GraphDocument,
  count: number,
  modes: SeedModes,
  lookup: NodeSpecLookup,
  random01: () => number,
): GraphDocument {
  return advanceSeeds(seedsPlus(doc, count - 1, lookup, modes), modes, lookup, random01);
}

/**
 * Queues `count` runs of the current graph, the k-th with every seed + k
 * (a batch explores seeds, ComfyUI's batch count with "increment"). Returns
 * the job ids (fewer when the graph cannot run).
 */
export function queueBatch(count: number): string[] {
  const n = Math.max(1, Math.min(MAX_BATCH, Math.floor(count)));
  if (n === 1) {
    const id = queueRun();
    return id ? [id] : [];
  }
  const start = currentDoc();
  const { seedModes } = editorStore.getState();
  const ids: string[] = [];
  for (let k = 0; k < n; k++) {
    const doc = seedsPlus(start, k, specOf);
    editorStore.setState((s) => ({ history: replacePresent(s.history, doc) }));
    const id = queueRun();
    if (!id) break;
    ids.push(id);
  }
  const end = ids.length > 0 ? afterBatch(start, n, seedModes, specOf, Math.random) : start;
  editorStore.setState((s) => ({ history: replacePresent(s.history, end) }));
  return ids;
}
