import { z } from 'zod';
import type { GraphDocument } from '../../core/document';
import type { NodeSpecLookup } from '../../core/node-spec';
import { wiredParamsOf } from '../../core/wired-params';

/** What happens to a seed after each run is queued (ComfyUI's "control after generate"). */
export const SEED_MODES = ['fixed', 'increment', 'random'] as const;
export type SeedMode = (typeof SEED_MODES)[number];
export const seedModesSchema = z.record(z.string(), z.enum(SEED_MODES));
export type SeedModes = z.infer<typeof seedModesSchema>;

export const MAX_SEED = Number.MAX_SAFE_INTEGER;

export function seedKey(nodeId: string, param: string): string {
  return `${nodeId}.${param}`;
}

/** `random01` returns [0, 1); injected so tests are deterministic. */
export function nextSeed(mode: SeedMode, seed: number, random01: () => number): number {
  if (mode === 'increment') return seed >= MAX_SEED ? 0 : seed + 1;
  if (mode === 'random') return Math.floor(random01() * 2 ** 32);
  return seed;
}

/** Applies each seed param's mode to `doc`; returns the same document when every seed is fixed. */
export function advanceSeeds(
  doc: GraphDocument,
  modes: SeedModes,
  lookup: NodeSpecLookup,
  random01: () => number,
): GraphDocument {
  let changed = false;
  // A seed fed by a wire does not run, so its mode does nothing (its source's seed has its own).
  const wired = wiredParamsOf(doc, lookup);
  const nodes = doc.nodes.map((node) => {
    const spec = lookup(node.type);
    if (!spec) return node;
    let params = node.params;
    for (const p of spec.params) {
      if (p.kind !== 'seed' || wired.get(node.id)?.has(p.name)) continue;
      const mode = modes[seedKey(node.id, p.name)] ?? 'fixed';
      if (mode === 'fixed') continue;
      const current = typeof params[p.name] === 'number' ? (params[p.name] as number) : p.default;
      const next = nextSeed(mode, current, random01);
      if (next !== current) {
        params = { ...params, [p.name]: next };
        changed = true;
      }
    }
    return params === node.params ? node : { ...node, params };
  });
  return changed ? { ...doc, nodes } : doc;
}
