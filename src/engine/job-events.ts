import type { RasterImage } from '../core/image';
import type { Artifact, NodeStage } from '../core/node-definition';
import type { ValidationIssue } from '../core/validation-error';
import type { EngineEvent, EngineEventListener } from './events';

/**
 * The events of one job, built in one place (ComfyUI's `progress.py` keeps its progress
 * reporting apart from execution the same way). The executor says what happened; this module
 * turns it into `EngineEvent`s for the caller's listener.
 */
export interface JobEvents {
  readonly jobId: string;
  started(nodeIds: readonly string[]): void;
  nodeStarted(nodeId: string): void;
  nodeCached(nodeId: string): void;
  /**
   * A step of a long node. Resolves once the listener has taken the event (back-pressure across
   * workers); a listener that fails is not the node's failure.
   */
  nodeProgress(nodeId: string, step: number, total: number, preview?: RasterImage): Promise<void>;
  nodeWarning(nodeId: string, message: string): void;
  /** What a running node is busy with (loading a model, compiling it, step k of n). */
  nodeStage(nodeId: string, stage: NodeStage): void;
  nodeOutput(nodeId: string, artifact: Artifact): void;
  nodeDone(nodeId: string, ms: number): void;
  nodeFailed(nodeId: string, message: string): void;
  done(ms: number, executed: number, cached: number): void;
  failed(message: string, nodeId?: string, issues?: readonly ValidationIssue[]): void;
  cancelled(): void;
}

export function jobEvents(jobId: string, listener: EngineEventListener | undefined): JobEvents {
  const emit = (event: EngineEvent) => listener?.(event);
  return {
    jobId,
    started: (nodeIds) => emit({ type: 'job:start', jobId, nodeIds }),
    nodeStarted: (nodeId) => emit({ type: 'node:start', jobId, nodeId }),
    nodeCached: (nodeId) => emit({ type: 'node:cached', jobId, nodeId }),
    nodeProgress: async (nodeId, step, total, preview) => {
      const event: EngineEvent = {
        type: 'node:progress',
        jobId,
        nodeId,
        step,
        total,
        ...(preview ? { preview } : {}),
      };
      try {
        await Promise.resolve(emit(event));
      } catch {
        // The listener may live in another thread: its failure is not the node's.
      }
    },
    nodeWarning: (nodeId, message) => emit({ type: 'node:warning', jobId, nodeId, message: String(message) }),
    nodeStage: (nodeId, stage) => {
      try {
        // Plain data only (no extra keys a node may have put on its object).
        const { stage: kind, model, bytes, totalBytes, step, total, etaMs } = stage;
        emit({
          type: 'node:stage',
          jobId,
          nodeId,
          stage: kind,
          ...(model !== undefined ? { model } : {}),
          ...(bytes !== undefined ? { bytes } : {}),
          ...(totalBytes !== undefined ? { totalBytes } : {}),
          ...(step !== undefined ? { step } : {}),
          ...(total !== undefined ? { total } : {}),
          ...(etaMs !== undefined ? { etaMs: Math.round(etaMs) } : {}),
        });
      } catch {
        // A stage is for the user's eyes: a listener that fails is not the node's failure.
      }
    },
    nodeOutput: (nodeId, artifact) => emit({ type: 'node:output', jobId, nodeId, artifact }),
    nodeDone: (nodeId, ms) => emit({ type: 'node:done', jobId, nodeId, ms }),
    nodeFailed: (nodeId, message) => emit({ type: 'node:error', jobId, nodeId, message }),
    done: (ms, executed, cached) => emit({ type: 'job:done', jobId, ms, executed, cached }),
    failed: (message, nodeId, issues) =>
      emit({
        type: 'job:failed',
        jobId,
        ...(nodeId !== undefined ? { nodeId } : {}),
        message,
        ...(issues ? { issues } : {}),
      }),
    cancelled: () => emit({ type: 'job:cancelled', jobId }),
  };
}
