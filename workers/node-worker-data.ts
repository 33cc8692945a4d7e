import { z } from 'zod';

/** What the Node engine worker is started with (`workerData`), checked at the worker's edge. */
export const nodeEngineWorkerDataSchema = z.object({
  backend: z.enum(['auto', 'cpu', 'wasm']),
  /** Relative sources and pack folders resolve against this folder. */
  baseDir: z.string().min(1),
});

export type NodeEngineWorkerData = z.infer<typeof nodeEngineWorkerDataSchema>;
