// Entry of the Node engine worker (worker_threads): Node runs only .js/.mjs
// files as workers, so register tsx here, then load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./engine.node-worker.ts');
