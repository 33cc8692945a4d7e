import type {
  EngineBackendInfo,
  EngineServices,
  PackLoadProgress,
  ProgressModelServices,
} from '../host-types';
import type { ModelFileStore } from '../models/model-store';
import type { PackHandle } from '../models/pack-handle';
import type { PackFetchEnv } from '../models/url-pack';
import { openUrlSource } from '../models/url-source';
import { SessionPool } from '../ort/session-pool';
import { type BrowserBackendChoice, type OrtWebModule, selectBrowserBackend } from './browser-backend';
import { readBrowserSource } from './browser-sources';
import { browserModelStore } from './opfs-store';
import { yieldingBackend } from './yielding-backend';

export interface BrowserRuntimeOptions {
  readonly choice: BrowserBackendChoice;
  /** onnxruntime-web (its WebGPU build, which also runs wasm). */
  readonly ort: OrtWebModule;
  /** Where the app serves ONNX Runtime's wasm/mjs files, e.g. `https://host/ort/`. */
  readonly wasmPaths: string;
  /** The reference pack's folder URL (`reference` in a Model Pack node means this). */
  readonly referencePackUrl: string;
  /** Relative sources (images, pack URLs) resolve against this, e.g. the app's base URL. */
  readonly baseUrl: string;
  readonly gpu?: GPU | undefined;
  readonly env?: PackFetchEnv;
  /** Where verified checkpoint files and remembered hashes go (default: OPFS, else memory). */
  readonly store?: ModelFileStore;
  /** Model bytes kept loaded across runs (default 1 GiB). */
  readonly budgetBytes?: number;
  readonly onDeviceLost?: (message: string) => void;
}

export interface BrowserRuntime {
  readonly services: EngineServices;
  readonly info: EngineBackendInfo;
}

interface Loading {
  readonly pack: Promise<PackHandle>;
  readonly listeners: Set<(progress: PackLoadProgress) => void>;
}

/**
 * Everything nodes need in a browser engine worker: the chosen backend
 * (WebGPU, or wasm with the reason), model sources from URLs (packs verified and cached in
 * Cache Storage; checkpoint folders, whose base holds model_index.json, streamed through sha256
 * into OPFS), sources read with fetch, and one session pool kept across runs.
 */
export async function createBrowserRuntime(options: BrowserRuntimeOptions): Promise<BrowserRuntime> {
  const chosen = await selectBrowserBackend(options.ort, {
    choice: options.choice,
    wasmPaths: options.wasmPaths,
    gpu: options.gpu,
    ...(options.onDeviceLost ? { onDeviceLost: options.onDeviceLost } : {}),
  });
  const env: PackFetchEnv = options.env ?? {
    fetch: (input, init) => fetch(input, init),
    caches: typeof caches === 'undefined' ? undefined : caches,
  };
  const store = options.store ?? (await browserModelStore());
  const pool = new SessionPool(yieldingBackend(chosen.backend), options.budgetBytes ?? 1024 ** 3);
  const packs = new Map<string, Loading>();

  const models: ProgressModelServices = {
    pool,
    openPack(source, _signal, onProgress) {
      const url = new URL(
        source === 'reference' || source.trim() === '' ? options.referencePackUrl : source,
        options.baseUrl,
      ).href;
      let loading = packs.get(url);
      if (!loading) {
        const listeners = new Set<(progress: PackLoadProgress) => void>();
        // One load per pack, not tied to the first caller's signal: later callers share it.
        const pack = openUrlSource(
          url,
          options.baseUrl,
          { ...env, store },
          new AbortController().signal,
          (p) => {
            for (const listener of listeners) listener(p);
          },
        );
        const created: Loading = { pack, listeners };
        loading = created;
        packs.set(url, created);
        pack.then(
          () => listeners.clear(),
          () => packs.get(url) === created && packs.delete(url),
        );
      }
      if (onProgress) loading.listeners.add(onProgress);
      return loading.pack;
    },
  };

  return {
    info: {
      backend: chosen.name,
      ...(chosen.fallbackReason ? { fallbackReason: chosen.fallbackReason } : {}),
    },
    services: {
      models,
      modelStore: store,
      readSource: (source, signal) => readBrowserSource(source, options.baseUrl, signal),
    },
  };
}
