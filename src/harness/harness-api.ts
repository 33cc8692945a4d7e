import { z } from 'zod';
import type { EngineStatus, PackInfo } from '../engine/engine-api';
import type { JobStatus } from '../engine/events';

/** Page URL params: `?example=subject-driven&backend=wasm&set=sampler.steps=4&autorun=0`. */
export const harnessParamsSchema = z.object({
  example: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'an example name such as subject-driven')
    .default('subject-driven'),
  backend: z.enum(['auto', 'webgpu', 'wasm']).default('auto'),
  /** `NODE.PARAM=VALUE` overrides, as `--set` takes them. */
  set: z.array(z.string().regex(/^[^.=]+\.[^=]+=.*$/, 'NODE.PARAM=VALUE')).default([]),
  autorun: z.enum(['0', '1']).default('1'),
});

export type HarnessParams = z.infer<typeof harnessParamsSchema>;

/** What a test may ask `window.harness.run` to do. */
export const harnessRunOptionsSchema = z.object({
  example: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .optional(),
  set: z.array(z.string()).optional(),
  /** Cancel the job when the sampler reports this step. */
  cancelAtStep: z.number().int().positive().optional(),
  /** Terminate the worker when the sampler reports this step. */
  terminateAtStep: z.number().int().positive().optional(),
});

export type HarnessRunOptions = z.infer<typeof harnessRunOptionsSchema>;

export interface HarnessImage {
  readonly nodeId: string;
  readonly width: number;
  readonly height: number;
  /** RGB bytes, base64. */
  readonly rgbBase64: string;
}

export interface HarnessRunResult {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly error?: { readonly nodeId?: string; readonly message: string };
  readonly images: readonly HarnessImage[];
  /** Sampler steps in the order their progress events arrived. */
  readonly steps: readonly number[];
  /** Whether every preview and artifact arrived as a Uint8Array (transferred, never a JSON array). */
  readonly binaryPayloads: boolean;
  readonly eventTypes: readonly string[];
  /** Milliseconds each executed node took (from `node:done`). */
  readonly nodeMs: Readonly<Record<string, number>>;
  /** requestAnimationFrame callbacks on the main thread during the run. */
  readonly framesDuringRun: number;
  readonly ms: number;
  /** The graph as the page held it before and after the run (JSON), to show it is untouched. */
  readonly graphUnchanged: boolean;
}

/** `window.harness`: what the browser tests drive. */
export interface HarnessApi {
  /** Resolves once the pack is loaded in the worker (and the autorun, if any, ended). */
  ready(): Promise<{ readonly pack: PackInfo; readonly status: EngineStatus }>;
  run(options?: HarnessRunOptions): Promise<HarnessRunResult>;
  cancel(jobId: string): Promise<void>;
  terminateWorker(): void;
  status(): Promise<EngineStatus>;
  /** requestAnimationFrame callbacks so far. */
  frames(): number;
  /** How many times the client replaced a faulted worker. */
  restarts(): number;
}
