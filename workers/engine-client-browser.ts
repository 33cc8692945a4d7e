import type * as Comlink from 'comlink';
import { createEngineClient, type EngineClient, type WorkerConnection } from '../src/engine/engine-client';
import type { BrowserBackendChoice } from '../src/runtime/browser/browser-backend';
import { encodeWorkerInit } from './browser-worker-init';

export interface BrowserEngineOptions {
  /** `auto`/`webgpu` prefer WebGPU and fall back to wasm (see `status().fallbackReason`). */
  readonly backend?: BrowserBackendChoice;
  /** The app's base URL (default: the document's); the defaults below resolve against it. */
  readonly baseUrl?: string;
  /** Where ONNX Runtime's wasm/mjs files are served (default `ort/`, copied there by vite.config.ts). */
  readonly wasmPaths?: string;
  /** The reference pack's folder (default `packs/shapes-world/`). */
  readonly referencePackUrl?: string;
  onRestart?(reason: string): void;
}

/** Starts the engine in a module worker (bundled by Vite from this URL). */
export function spawnBrowserEngineWorker(options: BrowserEngineOptions = {}): WorkerConnection {
  const baseUrl = options.baseUrl ?? document.baseURI;
  const name = encodeWorkerInit({
    backend: options.backend ?? 'auto',
    baseUrl,
    wasmPaths: new URL(options.wasmPaths ?? 'ort/', baseUrl).href,
    referencePackUrl: new URL(options.referencePackUrl ?? 'packs/shapes-world/', baseUrl).href,
  });
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name,
  });
  const listeners: ((reason: string) => void)[] = [];
  const fault = (reason: string) => {
    for (const listener of listeners.splice(0)) listener(reason);
  };
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    fault(event.message || 'the engine worker failed to load');
  });
  worker.addEventListener('messageerror', () => fault('a message from the engine worker could not be read'));
  return {
    endpoint: worker as unknown as Comlink.Endpoint,
    onFault: (listener) => listeners.push(listener),
    terminate: () => {
      listeners.length = 0;
      worker.terminate();
    },
  };
}

/** The engine client of the browser (the editor and the harness page). */
export function createBrowserEngineClient(options: BrowserEngineOptions = {}): EngineClient {
  return createEngineClient({
    spawn: () => spawnBrowserEngineWorker(options),
    ...(options.onRestart ? { onRestart: options.onRestart } : {}),
  });
}
