import { useSyncExternalStore } from 'react';
import type { GraphDocument } from '../../core/document';
import { loadGraphDocument } from '../../core/load-document';
import type { Artifact } from '../../core/node-definition';
import { notify, openDialog, openGraph } from '../actions';
import { specOf } from '../registry';
import { createStore } from '../store';
import { clearEntries, deleteEntry, loadEntries, putEntry, touchEntry } from './gallery-db';
import { changedParams, type GalleryEntry, graphSignature, seedsOf } from './gallery-entry';
import { GALLERY_LIMIT } from './gallery-index';
import { thumbnailOf } from './thumbnail';

/**
 * The gallery of runs shown in the editor: loaded from IndexedDB once, kept
 * in step with it (every change is written through). Newest first.
 */
export interface GalleryState {
  readonly entries: readonly GalleryEntry[];
  readonly loaded: boolean;
}

export const galleryStore = createStore<GalleryState>({ entries: [], loaded: false });

let loading: Promise<void> | undefined;

/** Reads the stored runs (once; later calls wait for the same read). */
export function loadGallery(): Promise<void> {
  loading ??= loadEntries().then(
    (entries) => {
      // Runs recorded while the read was under way stay in front.
      const fresh = galleryStore.getState().entries;
      const ids = new Set(fresh.map((e) => e.id));
      galleryStore.setState({ entries: [...fresh, ...entries.filter((e) => !ids.has(e.id))], loaded: true });
    },
    (error: unknown) => {
      galleryStore.setState({ loaded: true });
      notify('error', `The gallery could not be read: ${String(error)}`);
    },
  );
  return loading;
}

export interface FinishedRun {
  readonly jobId: string;
  readonly label: string;
  /** The document as it was queued (before image paths were resolved). */
  readonly doc: GraphDocument;
  readonly baseUrl?: string;
  readonly artifacts: readonly Artifact[];
  readonly ms?: number;
}

/** Most thumbnails kept per run (a batch of outputs shows its first few). */
const THUMBNAILS_PER_RUN = 4;

/** The gallery record of a finished run, compared with the previous run of the same graph. */
export function entryOf(run: FinishedRun, previous: readonly GalleryEntry[], at: number): GalleryEntry {
  const signature = graphSignature(run.doc);
  const before = previous.find((e) => e.signature === signature);
  const images = run.artifacts.filter((a) => a.kind === 'image');
  return {
    v: 1,
    id: run.jobId,
    at,
    label: run.label,
    graphName: run.doc.meta?.name ?? 'Untitled graph',
    ...(run.ms !== undefined ? { ms: run.ms } : {}),
    seeds: seedsOf(run.doc, specOf),
    changes: before ? changedParams(before.graph, run.doc) : [],
    ...(before ? { previous: before.id } : {}),
    thumbnails: images.slice(0, THUMBNAILS_PER_RUN).map((a) => thumbnailOf(a.image)),
    outputs: run.artifacts.map((a) => a.fileName),
    signature,
    graph: run.doc,
    ...(run.baseUrl !== undefined ? { baseUrl: run.baseUrl } : {}),
  };
}

/** Adds a finished run to the gallery (and IndexedDB), evicting the least recently used past the limit. */
export async function recordRun(run: FinishedRun): Promise<void> {
  await loadGallery();
  const entry = entryOf(run, galleryStore.getState().entries, Date.now());
  const entries = [entry, ...galleryStore.getState().entries.filter((e) => e.id !== entry.id)];
  const evicted = new Set(entries.slice(GALLERY_LIMIT).map((e) => e.id));
  galleryStore.setState({ entries: entries.filter((e) => !evicted.has(e.id)) });
  try {
    await putEntry(entry);
  } catch (error) {
    notify('error', `The run could not be kept in the gallery: ${String(error)}`);
  }
}

export async function deleteRun(id: string): Promise<void> {
  galleryStore.setState((s) => ({ entries: s.entries.filter((e) => e.id !== id) }));
  await deleteEntry(id);
}

export async function clearGallery(): Promise<void> {
  galleryStore.setState({ entries: [] });
  await clearEntries();
}

/** Opens the graph a run was made with (the current one stays one undo away). */
export async function openRunGraph(id: string): Promise<void> {
  const entry = galleryStore.getState().entries.find((e) => e.id === id);
  if (!entry) return;
  let loaded: ReturnType<typeof loadGraphDocument>;
  try {
    loaded = loadGraphDocument(entry.graph, specOf, `the graph of ${entry.label}`);
  } catch (error) {
    notify('error', error instanceof Error ? error.message : String(error));
    return;
  }
  openDialog(undefined);
  openGraph(loaded, {
    source: `the graph of ${entry.label}`,
    ...(entry.baseUrl !== undefined ? { baseUrl: entry.baseUrl } : {}),
  });
  galleryStore.setState((s) => ({ entries: [entry, ...s.entries.filter((e) => e.id !== id)] }));
  await touchEntry(id);
}

/** Subscribes a component to the gallery (the selector must return a value stable while it does not change). */
export function useGallery<T>(selector: (state: GalleryState) => T): T {
  const get = () => selector(galleryStore.getState());
  return useSyncExternalStore(galleryStore.subscribe, get, get);
}
