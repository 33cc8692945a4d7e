import { get, set } from 'idb-keyval';
import { z } from 'zod';
import { createBrowserEngineClient } from '../../workers/engine-client-browser';
import type { BrowserBackendChoice } from '../runtime/browser/browser-backend';
import { notify, openGraph } from './actions';
import { provideEngine } from './engine-connection';
import { EXAMPLES, FIRST_EXAMPLE } from './examples';
import { openGraphUrl } from './files';
import { loadPackSource, refreshEngineStatus } from './packs';
import { loadLookup } from './registry';
import { openShareLink } from './share';
import {
  AUTOSAVE_DELAY_MS,
  AUTOSAVE_KEY,
  type AutosaveRecord,
  debounce,
  parseAutosave,
} from './state/autosave';
import { editorStore } from './store';

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
      const restored = parseAutosave(await get(AUTOSAVE_KEY), loadLookup);
      if (restored) {
        openGraph(restored.loaded, {
          source: 'your last graph',
          undoable: false,
          quiet: true,
          ...(restored.baseUrl !== undefined ? { baseUrl: restored.baseUrl } : {}),
        });
        editorStore.setState({ seedModes: restored.seedModes });
        opened = true;
      }
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
  void loadPackSource('reference', false).then(() => refreshEngineStatus());
}

function startAutosave(): void {
  const saver = debounce((record: AutosaveRecord) => {
    set(AUTOSAVE_KEY, record).catch(() => undefined);
  }, AUTOSAVE_DELAY_MS);
  let last = editorStore.getState();
  editorStore.subscribe(() => {
    const s = editorStore.getState();
    if (
      s.history.present === last.history.present &&
      s.seedModes === last.seedModes &&
      s.baseUrl === last.baseUrl
    )
      return;
    last = s;
    saver.schedule({
      v: 1,
      savedAt: Date.now(),
      graph: s.history.present,
      seedModes: s.seedModes,
      ...(s.baseUrl !== undefined ? { baseUrl: s.baseUrl } : {}),
    });
  });
  // A reload or a closed tab right after an edit still keeps it.
  addEventListener('pagehide', () => saver.flush());
  addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') saver.flush();
  });
}
