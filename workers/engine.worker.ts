/// <reference lib="webworker" />
/**
 * The browser engine worker (a module worker): the executor, the nodes and
 * every ONNX Runtime session of a job live here, on one WebGPU device (or
 * wasm), exposed with comlink. Started by `workers/engine-client-browser.ts`.
 */
import type * as Comlink from 'comlink';
import * as ort from 'onnxruntime-web/webgpu';
import { createNodeRegistry } from '../nodes/index';
import { createEngineService } from '../src/engine/engine-service';
import type { OrtWebModule } from '../src/runtime/browser/browser-backend';
import { createBrowserRuntime } from '../src/runtime/browser/browser-runtime';
import { decodeWorkerInit } from './browser-worker-init';
import { exposeEngine } from './expose-engine';

declare const self: DedicatedWorkerGlobalScope;

/** Reports a fatal fault to the page as an uncaught error: the client then fails the job and restarts us. */
function crash(message: string): void {
  setTimeout(() => {
    throw new Error(message);
  });
}

// An exception escaping a node (e.g. thrown from a timer) must not leave a half-working engine.
self.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason instanceof Error ? event.reason.message : String(event.reason);
  crash(`unhandled rejection in the engine worker: ${reason}`);
});

const service = (async () => {
  const init = decodeWorkerInit(self.name);
  const runtime = await createBrowserRuntime({
    choice: init.backend,
    ort: ort as unknown as OrtWebModule,
    wasmPaths: init.wasmPaths,
    referencePackUrl: init.referencePackUrl,
    baseUrl: init.baseUrl,
    gpu: self.navigator.gpu,
    onDeviceLost: crash,
  });
  return createEngineService(createNodeRegistry(), runtime.services, () => runtime.info);
})();

exposeEngine(service, self as unknown as Comlink.Endpoint);
