import { z } from 'zod';
import type { GraphDocument } from '../../core/document';
import { type LoadedGraph, loadGraphDocument } from '../../core/load-document';
import type { NodeSpecLookup } from '../../core/node-spec';
import { type SeedModes, seedModesSchema } from './seed';

/** What the editor keeps in IndexedDB between visits. Checked with zod when read back. */
export const AUTOSAVE_KEY = 'kosmograph:autosave';
export const AUTOSAVE_DELAY_MS = 500;

const autosaveSchema = z.object({
  v: z.literal(1),
  savedAt: z.number(),
  graph: z.unknown(),
  seedModes: seedModesSchema.optional(),
  baseUrl: z.string().max(2048).optional(),
});

export interface AutosaveRecord {
  readonly v: 1;
  readonly savedAt: number;
  readonly graph: GraphDocument;
  readonly seedModes?: SeedModes;
  readonly baseUrl?: string;
}

export interface RestoredSession {
  readonly loaded: LoadedGraph;
  readonly seedModes: SeedModes;
  readonly baseUrl?: string;
}

/** Reads an autosave record; undefined when it is missing or unusable (never throws). */
export function parseAutosave(value: unknown, lookup: NodeSpecLookup): RestoredSession | undefined {
  const parsed = autosaveSchema.safeParse(value);
  if (!parsed.success) return undefined;
  try {
    const loaded = loadGraphDocument(parsed.data.graph, lookup, 'autosave');
    return {
      loaded,
      seedModes: parsed.data.seedModes ?? {},
      ...(parsed.data.baseUrl !== undefined ? { baseUrl: parsed.data.baseUrl } : {}),
    };
  } catch {
    return undefined;
  }
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Calls `fn` with the latest value `ms` after the last `schedule`; `flush` runs it now. */
export function debounce<T>(fn: (value: T) => void, ms: number, timers: Timers = realTimers) {
  let handle: unknown;
  let pending: { value: T } | undefined;
  const run = () => {
    handle = undefined;
    const p = pending;
    pending = undefined;
    if (p) fn(p.value);
  };
  return {
    schedule(value: T) {
      pending = { value };
      if (handle !== undefined) timers.clearTimeout(handle);
      handle = timers.setTimeout(run, ms);
    },
    flush() {
      if (handle !== undefined) timers.clearTimeout(handle);
      run();
    },
    cancel() {
      if (handle !== undefined) timers.clearTimeout(handle);
      handle = undefined;
      pending = undefined;
    },
  };
}
