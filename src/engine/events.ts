import type { RasterImage } from '../core/image';
import type { Artifact, NodeStage } from '../core/node-definition';
import type { ValidationIssue } from '../core/validation-error';

/** Everything an executor tells its caller, in order. Plain data: it crosses worker boundaries. */
export type EngineEvent =
  | { readonly type: 'job:start'; readonly jobId: string; readonly nodeIds: readonly string[] }
  | { readonly type: 'node:start'; readonly jobId: string; readonly nodeId: string }
  | { readonly type: 'node:cached'; readonly jobId: string; readonly nodeId: string }
  | {
      readonly type: 'node:progress';
      readonly jobId: string;
      readonly nodeId: string;
      readonly step: number;
      readonly total: number;
      readonly preview?: RasterImage;
    }
  | ({ readonly type: 'node:stage'; readonly jobId: string; readonly nodeId: string } & NodeStage)
  | {
      readonly type: 'node:output';
      readonly jobId: string;
      readonly nodeId: string;
      readonly artifact: Artifact;
    }
  | {
      readonly type: 'node:warning';
      readonly jobId: string;
      readonly nodeId: string;
      readonly message: string;
    }
  | { readonly type: 'node:done'; readonly jobId: string; readonly nodeId: string; readonly ms: number }
  | { readonly type: 'node:error'; readonly jobId: string; readonly nodeId: string; readonly message: string }
  | {
      readonly type: 'job:done';
      readonly jobId: string;
      readonly ms: number;
      readonly executed: number;
      readonly cached: number;
    }
  | {
      readonly type: 'job:failed';
      readonly jobId: string;
      readonly nodeId?: string;
      readonly message: string;
      readonly issues?: readonly ValidationIssue[];
    }
  | { readonly type: 'job:cancelled'; readonly jobId: string };

/** Receives events; may return a promise, which progress reporting waits for (back-pressure). */
export type EngineEventListener = (event: EngineEvent) => unknown;

export type JobStatus = 'done' | 'failed' | 'cancelled';

export interface JobResult {
  readonly jobId: string;
  readonly status: JobStatus;
  /** Artifacts of output nodes, in plan order; empty unless the job is done. */
  readonly artifacts: readonly { readonly nodeId: string; readonly artifact: Artifact }[];
  readonly error?: {
    readonly nodeId?: string;
    readonly message: string;
    readonly issues?: readonly ValidationIssue[];
  };
}
