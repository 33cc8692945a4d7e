import { z } from 'zod';
import type { GraphDocument, JsonValue } from '../../core/document';
import type { NodeSpecLookup } from '../../core/node-spec';
import { wiredParamsOf } from '../../core/wired-params';

/**
 * One run in the gallery: what it made (small thumbnails, file names), with
 * what (seeds, the params changed since the previous run of the same graph,
 * the graph itself to open again) and when. Checked with zod when read back
 * from IndexedDB.
 */
export const galleryEntrySchema = z
  .object({
    v: z.literal(1),
    /** The job id. */
    id: z.string().min(1).max(200),
    /** When the run ended (ms since the epoch). */
    at: z.number(),
    label: z.string().max(200),
    graphName: z.string().max(500),
    ms: z.number().optional(),
    /** Seed params of the run: `node.param` -> value. */
    seeds: z.record(z.string(), z.number()),
    /** `node.param: old → new` against the previous run of the same graph (empty for the first). */
    changes: z.array(z.string().max(500)).max(200),
    /** The run `changes` is against; absent for a graph's first run. */
    previous: z.string().max(200).optional(),
    /** Small JPEG data: URLs of the image outputs (see thumbnail.ts). */
    thumbnails: z.array(z.string().max(200_000)).max(16),
    /** File names of every output. */
    outputs: z.array(z.string().max(500)).max(200),
    /** Which graph this is (node ids and types): runs of the same graph are compared. */
    signature: z.string().max(100_000),
    graph: z.unknown(),
    baseUrl: z.string().max(2048).optional(),
  })
  .strict();

export type GalleryEntry = Omit<z.infer<typeof galleryEntrySchema>, 'graph'> & {
  readonly graph: GraphDocument;
};

/** The same graph = the same nodes (ids and types); params may differ. */
export function graphSignature(doc: GraphDocument): string {
  return doc.nodes
    .map((n) => `${n.id}:${n.type}`)
    .sort()
    .join('\n');
}

/** The seed params of a graph that run, `node.param` -> value (a seed fed by a wire: its source's). */
export function seedsOf(doc: GraphDocument, lookup: NodeSpecLookup): Record<string, number> {
  const out: Record<string, number> = {};
  const wired = wiredParamsOf(doc, lookup);
  for (const node of doc.nodes) {
    for (const p of lookup(node.type)?.params ?? []) {
      if (p.kind !== 'seed' || wired.get(node.id)?.has(p.name)) continue;
      const value = node.params[p.name];
      out[`${node.id}.${p.name}`] = typeof value === 'number' ? value : p.default;
    }
  }
  return out;
}

const MAX_SHOWN = 40;

/** A param value as a short text: data: URLs (chosen images) are named, long text is cut. */
export function shortValue(value: JsonValue | undefined): string {
  if (value === undefined) return '(unset)';
  if (typeof value === 'string' && value.startsWith('data:'))
    return `image (${value.slice(5, value.indexOf(';'))})`;
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** The params that differ between two runs of one graph, as `node.param: old → new`, in node order. */
export function changedParams(previous: GraphDocument, next: GraphDocument): string[] {
  const before = new Map(previous.nodes.map((n) => [n.id, n.params]));
  const out: string[] = [];
  for (const node of next.nodes) {
    const old = before.get(node.id) ?? {};
    const names = [...new Set([...Object.keys(old), ...Object.keys(node.params)])];
    for (const name of names) {
      const a = old[name];
      const b = node.params[name];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      out.push(`${node.id}.${name}: ${shortValue(a)} → ${shortValue(b)}`);
    }
  }
  return out;
}
