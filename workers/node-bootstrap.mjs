// Entry of the Node engine worker (worker_threads) started from the sources: Node runs only
// .js/.mjs files as workers, so this runs the compiled worker when dist-cli/ is fresh, else
// registers tsx and loads the TypeScript worker (the same rule as bin/kosmograph.mjs). The
// compiled CLI starts its own compiled worker directly (workers/engine-client-node.ts).
import { startEntry } from '../bin/compiled-build.mjs';

const worker = await startEntry('engine-worker', new URL('./engine.node-worker.ts', import.meta.url));
worker.saveCache();
