import { z } from 'zod';
import { filePolicyOptionsSchema } from '../src/runtime/node/file-policy-rules';

/** What the Node engine worker is started with (`workerData`), checked at the worker's edge. */
export const nodeEngineWorkerDataSchema = z.object({
  backend: z.enum(['auto', 'cpu', 'wasm']),
  /** Relative sources and pack folders resolve against this folder. */
  baseDir: z.string().min(1),
  /** What graphs may read (src/runtime/node/file-policy.ts); absent: every local path and origin. */
  policy: filePolicyOptionsSchema.optional(),
});

export type NodeEngineWorkerData = z.input<typeof nodeEngineWorkerDataSchema>;
