/**
 * The engine in a Node `worker_threads` worker: the same engine service as
 * the browser worker, over the Node runtime (onnxruntime-node CPU, or wasm),
 * exposed with comlink's node adapter. Started by `workers/engine-client-node.ts`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createNodeRegistry } from '../nodes/index';
import { ensureReferencePack } from '../scripts/pack/ensure';
import { createEngineService, type EngineBackendInfo } from '../src/engine/engine-service';
import { createFilePolicy } from '../src/runtime/node/file-policy';
import { createNodeRuntime } from '../src/runtime/node/node-runtime';
import { exposeEngine } from './expose-engine';
import { nodeEngineWorkerDataSchema } from './node-worker-data';

if (!parentPort) throw new Error('engine.node-worker.ts must run as a worker thread');

const data = nodeEngineWorkerDataSchema.parse(workerData);
const service = createNodeRuntime(data.backend, data.baseDir, {
  ensureReferencePack,
  ...(data.policy ? { policy: createFilePolicy(data.policy) } : {}),
}).then((runtime) => {
  const info: EngineBackendInfo = {
    backend: runtime.backend === 'wasm' ? 'wasm' : 'cpu',
    ...(runtime.note ? { fallbackReason: runtime.note } : {}),
  };
  return createEngineService(createNodeRegistry(), runtime.services, () => info);
});
exposeEngine(service, nodeEndpoint(parentPort));
