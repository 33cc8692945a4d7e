import { get, set } from 'idb-keyval';
import { z } from 'zod';
import { createBrowserEngineClient } from '../../workers/engine-client-browser';
import type { GraphDocument } from '../core/document';
import type { BrowserBackendChoice } from '../runtime/browser/browser-backend';
import { liveTab, newTab, notify, openGraph, switchTab } from './actions';
import { provideEngine } from './engine-connection';
import { EXAMPLES, FIRST_EXAMPLE } from './examples';
import { openGraphUrl } from './files';
import { loadPackSource, refreshEngineStatus } from './packs';
import { loadLookup } from './registry';
import { openShareLink } from './share';
import {
  AUTOSAVE_DELAY_MS,
  AUTOSAVE_KEY,
  type AutosaveRecordV2,
  debounce,
  parseAutosaveTabs,
  type RestoredTabs,
} from './state/autosave';
import { type EditorState, editorStore, type ImageInfo } from './store';

let started = false;

/** `?backend=webgpu|wasm|auto` picks the engine's backend (default auto: WebGPU, else wasm). */
export function backendFromUrl(search: string): BrowserBackendChoice {
  return z
    .enum(['auto', 'webgpu', 'wasm'])
    .catch('auto')
    .parse(new URLSearchParams(search).get('backend') ?? 'auto');
}

/** Starts the app once: engine worker, first graph (link > autosave > first example), autosave, pack. */
export async function boot(): Promise<void> {
  if (started) return;
  started = true;
  provideEngine(() =>
    createBrowserEngineClient({
      backend: backendFromUrl(location.search),
      onRestart: (reason) => notify('error', `The engine worker stopped and was restarted: ${reason}`),
    }),
  );

  let opened = false;
  if (location.hash.startsWith('#graph=')) {
    opened = openShareLink(location.hash);
    history.replaceState(null, '', location.pathname + location.search);
  }
  if (!opened) {
    try {
      opened = restoreTabs(parseAutosaveTabs(await get(AUTOSAVE_KEY), loadLookup));
    } catch {
      // IndexedDB unavailable (private mode): start from the example.
    }
  }
  if (!opened) {
    const first = EXAMPLES.find((e) => e.id === FIRST_EXAMPLE) ?? EXAMPLES[0];
    if (first)
      await openGraphUrl(first.url, `${first.id}.json`, { quiet: true, undoable: false, arrange: true });
  }
  editorStore.setState({ ready: true });
  startAutosave();
  // A pack that opens refreshes the status itself; one that does not still shows the engine's.
  void loadPackSource('reference', false).then((opened) => (opened ? undefined : refreshEngineStatus()));
}

/** Opens every autosaved tab (the first in the current tab) and shows the one that was active. */
function restoreTabs(restored: RestoredTabs | undefined): boolean {
  if (!restored) return false;
  const ids: string[] = [];
  restored.tabs.forEach((tab, i) => {
    if (i > 0) newTab();
    openGraph(tab.loaded, {
      source: 'your last graph',
      undoable: false,
      quiet: true,
      ...(tab.baseUrl !== undefined ? { baseUrl: tab.baseUrl } : {}),
    });
    editorStore.setState({ seedModes: tab.seedModes });
    ids.push(editorStore.getState().tabId);
  });
  const active = ids[restored.active];
  if (active) switchTab(active);
  editorStore.setState((s) => ({ images: { ...restored.images, ...s.images } }));
  return true;
}

/** The names of the images the graphs use (by data: URL), to keep with the autosave. */
function usedImages(state: EditorState, graphs: readonly GraphDocument[]): Record<string, ImageInfo> {
  const used: Record<string, ImageInfo> = {};
  for (const graph of graphs) {
    for (const node of graph.nodes) {
      for (const value of Object.values(node.params)) {
        if (typeof value === 'string' && value.startsWith('data:') && state.images[value])
          used[value] = state.images[value];
      }
    }
  }
  return used;
}

function autosaveRecord(s: EditorState): AutosaveRecordV2 {
  const tabs = s.tabs.map((t) => (t.id === s.tabId ? liveTab(s) : t));
  const graphs = tabs.map((t) => t.history.present);
  return {
    v: 2,
    savedAt: Date.now(),
    tabs: tabs.map((t) => ({
      graph: t.history.present,
      seedModes: t.seedModes,
      ...(t.baseUrl !== undefined ? { baseUrl: t.baseUrl } : {}),
    })),
    active: Math.max(
      0,
      tabs.findIndex((t) => t.id === s.tabId),
    ),
    images: usedImages(s, graphs),
  };
}

function startAutosave(): void {
  const saver = debounce((record: AutosaveRecordV2) => {
    set(AUTOSAVE_KEY, record).catch(() => undefined);
  }, AUTOSAVE_DELAY_MS);
  let last = editorStore.getState();
  editorStore.subscribe(() => {
    const s = editorStore.getState();
    if (
      s.history.present === last.history.present &&
      s.seedModes === last.seedModes &&
      s.baseUrl === last.baseUrl &&
      s.tabs === last.tabs &&
      s.tabId === last.tabId
    )
      return;
    last = s;
    saver.schedule(autosaveRecord(s));
  });
  // A reload or a closed tab right after an edit still keeps it.
  addEventListener('pagehide', () => saver.flush());
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saver.flush();
  });
}
