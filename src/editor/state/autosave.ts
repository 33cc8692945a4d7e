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

/** What one tab keeps between visits. */
export interface AutosaveTab {
  readonly graph: GraphDocument;
  readonly seedModes?: SeedModes;
  readonly baseUrl?: string;
}

/** Since tabs: every open graph, the active one, and the names of images chosen for them. */
export interface AutosaveRecordV2 {
  readonly v: 2;
  readonly savedAt: number;
  readonly tabs: readonly AutosaveTab[];
  readonly active: number;
  readonly images?: Readonly<Record<string, ImageInfoRecord>>;
}

export interface ImageInfoRecord {
  readonly name: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
}

const imageInfoSchema = z.object({
  name: z.string().max(1024),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});

const autosaveV2Schema = z.object({
  v: z.literal(2),
  savedAt: z.number(),
  tabs: z
    .array(
      z.object({
        graph: z.unknown(),
        seedModes: seedModesSchema.optional(),
        baseUrl: z.string().max(2048).optional(),
      }),
    )
    .min(1)
    .max(64),
  active: z.number().int().nonnegative(),
  images: z.record(z.string(), imageInfoSchema).optional(),
});

export interface RestoredTabs {
  readonly tabs: readonly RestoredSession[];
  /** Index of the active tab in `tabs`. */
  readonly active: number;
  readonly images: Readonly<Record<string, ImageInfoRecord>>;
}

function restoreTab(
  tab: { graph: unknown; seedModes?: SeedModes | undefined; baseUrl?: string | undefined },
  lookup: NodeSpecLookup,
  name: string,
): RestoredSession | undefined {
  try {
    return {
      loaded: loadGraphDocument(tab.graph, lookup, name),
      seedModes: tab.seedModes ?? {},
      ...(tab.baseUrl !== undefined ? { baseUrl: tab.baseUrl } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Reads an autosave record of either version; undefined when nothing is
 * usable (never throws). A tab whose graph no longer loads is left out.
 */
export function parseAutosaveTabs(value: unknown, lookup: NodeSpecLookup): RestoredTabs | undefined {
  const v2 = autosaveV2Schema.safeParse(value);
  if (v2.success) {
    const restored = v2.data.tabs.map((t, i) => restoreTab(t, lookup, `autosave tab ${i + 1}`));
    const tabs = restored.filter((t): t is RestoredSession => t !== undefined);
    if (tabs.length === 0) return undefined;
    const activeTab = restored[v2.data.active];
    const active = activeTab ? tabs.indexOf(activeTab) : 0;
    return { tabs, active: Math.max(0, active), images: v2.data.images ?? {} };
  }
  const v1 = parseAutosave(value, lookup);
  return v1 ? { tabs: [v1], active: 0, images: {} } : undefined;
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
