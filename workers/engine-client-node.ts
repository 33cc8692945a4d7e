import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createEngineClient, type EngineClient, type WorkerConnection } from '../src/engine/engine-client';
import type { NodeEngineWorkerData } from './node-worker-data';

/**
 * Set by the compiled CLI bundle (scripts/build-cli.ts) to the compiled worker of the same build,
 * so a compiled CLI never starts a worker of another version; undeclared when running sources.
 */
declare const __KOSMOGRAPH_COMPILED_WORKER__: URL | undefined;

/**
 * The Node worker's entry: the compiled worker of this build, or from the sources the .mjs
 * bootstrap, which runs the compiled worker when dist-cli/ is fresh, else `engine.node-worker.ts`
 * through tsx.
 */
const WORKER_ENTRY =
  typeof __KOSMOGRAPH_COMPILED_WORKER__ === 'undefined'
    ? new URL('./node-bootstrap.mjs', import.meta.url)
    : __KOSMOGRAPH_COMPILED_WORKER__;

/**
 * Starts the engine in a `worker_threads` worker, wrapped for comlink.
 * `entry` is the worker's .mjs entry (tests start fixture workers this way).
 */
export function spawnNodeEngineWorker(
  data: NodeEngineWorkerData,
  entry: URL = WORKER_ENTRY,
): WorkerConnection {
  if (process.env.KOSMOGRAPH_DEBUG_START === '1') {
    process.stderr.write(`kosmograph start: engine worker ${fileURLToPath(entry)}\n`);
  }
  const worker = new Worker(entry, { workerData: data, stdout: false, stderr: false });
  const listeners: ((reason: string) => void)[] = [];
  let faulted = false;
  const fault = (reason: string) => {
    if (faulted) return;
    faulted = true;
    for (const listener of listeners) listener(reason);
  };
  worker.on('error', (error) => fault(`uncaught error in the worker: ${error.message}`));
  worker.on('messageerror', (error) => fault(`a message could not be read: ${error.message}`));
  worker.on('exit', (code) => fault(`the worker exited (code ${code})`));
  return {
    endpoint: nodeEndpoint(worker),
    onFault: (listener) => listeners.push(listener),
    terminate: () => {
      faulted = true; // an exit we asked for is not reported again
      void worker.terminate();
    },
  };
}

/** The engine client of the CLI and headless hosts: the same engine, in a worker thread. */
export function createNodeEngineClient(
  data: NodeEngineWorkerData,
  onRestart?: (reason: string) => void,
): EngineClient {
  return createEngineClient({
    spawn: () => spawnNodeEngineWorker(data),
    ...(onRestart ? { onRestart } : {}),
  });
}
