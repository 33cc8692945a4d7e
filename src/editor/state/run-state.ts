import type { RasterImage } from '../../core/image';
import type { Artifact } from '../../core/node-definition';
import { describeStage } from '../../core/node-stage';
import type { ValidationIssue } from '../../core/validation-error';
import type { EngineEvent, JobStatus } from '../../engine/events';

/**
 * What the editor shows about runs, built only from engine events (one-way
 * data flow: document -> engine -> events -> this state). Pure reducers.
 */
export type NodeStatus = 'queued' | 'running' | 'cached' | 'done' | 'error';

export interface NodeRunState {
  readonly status: NodeStatus;
  readonly step?: number;
  readonly total?: number;
  readonly preview?: RasterImage;
  /** What the node is busy with while it runs (`node:stage`), e.g. `loading model (3.1 MB of 12 MB)`. */
  readonly stage?: string;
  /** The model or file of the stage, where it names one. */
  readonly stageModel?: string;
  readonly message?: string;
  readonly ms?: number;
  /** Warnings the node gave in this run (`node:warning`), in order; kept when it finishes. */
  readonly warnings?: readonly string[];
}

export type JobPhase = 'queued' | 'running' | JobStatus;

export interface RunJob {
  readonly id: string;
  readonly label: string;
  readonly phase: JobPhase;
  readonly message?: string;
  readonly ms?: number;
  /** Warnings the node gave in this run (`node:warning`), in order; kept when it finishes. */
  readonly warnings?: readonly string[];
}

export interface RunState {
  readonly jobs: readonly RunJob[];
  /** Status of the nodes of the job that ran last (or runs now). */
  readonly nodes: Readonly<Record<string, NodeRunState>>;
  /** Latest artifacts per output node, kept across runs until replaced. */
  readonly outputs: Readonly<
    Record<string, readonly { readonly jobId: string; readonly artifact: Artifact }[]>
  >;
  /** Issues the engine reported for the last failed job (shown on nodes and ports). */
  readonly issues: readonly ValidationIssue[];
}

export const JOB_HISTORY = 20;

export function emptyRunState(): RunState {
  return { jobs: [], nodes: {}, outputs: {}, issues: [] };
}

export function enqueueJob(state: RunState, id: string, label: string): RunState {
  const jobs = [...state.jobs, { id, label, phase: 'queued' as const }];
  // Forget old finished jobs, never queued or running ones.
  while (jobs.length > JOB_HISTORY) {
    const i = jobs.findIndex((j) => j.phase !== 'queued' && j.phase !== 'running');
    if (i < 0) break;
    jobs.splice(i, 1);
  }
  return { ...state, jobs };
}

export function updateJob(state: RunState, id: string, patch: Partial<Omit<RunJob, 'id'>>): RunState {
  if (!state.jobs.some((j) => j.id === id)) return state;
  return { ...state, jobs: state.jobs.map((j) => (j.id === id ? { ...j, ...patch } : j)) };
}

/** The next job to start: the first queued one, unless one is running. */
export function nextQueued(state: RunState): RunJob | undefined {
  if (state.jobs.some((j) => j.phase === 'running')) return undefined;
  return state.jobs.find((j) => j.phase === 'queued');
}

function setNode(state: RunState, nodeId: string, patch: NodeRunState): RunState {
  const warnings = state.nodes[nodeId]?.warnings;
  const next = warnings && !patch.warnings ? { ...patch, warnings } : patch;
  return { ...state, nodes: { ...state.nodes, [nodeId]: next } };
}

/** Nodes still queued or running when a job ends did not run. */
function settle(nodes: Readonly<Record<string, NodeRunState>>): Record<string, NodeRunState> {
  return Object.fromEntries(
    Object.entries(nodes).filter(([, n]) => n.status !== 'queued' && n.status !== 'running'),
  );
}

export function applyEvent(state: RunState, event: EngineEvent): RunState {
  switch (event.type) {
    case 'job:start': {
      const nodes: Record<string, NodeRunState> = {};
      for (const id of event.nodeIds) nodes[id] = { status: 'queued' };
      return { ...updateJob(state, event.jobId, { phase: 'running' }), nodes, issues: [] };
    }
    case 'node:start':
      return setNode(state, event.nodeId, { status: 'running' });
    case 'node:cached':
      return setNode(state, event.nodeId, { status: 'cached' });
    case 'node:progress': {
      const old = state.nodes[event.nodeId];
      const preview = event.preview ?? old?.preview;
      return setNode(state, event.nodeId, {
        status: 'running',
        step: event.step,
        total: event.total,
        ...(preview ? { preview } : {}),
        ...(old?.stage !== undefined ? { stage: old.stage } : {}),
        ...(old?.stageModel !== undefined ? { stageModel: old.stageModel } : {}),
      });
    }
    case 'node:stage': {
      const { stageModel: _model, ...old } = state.nodes[event.nodeId] ?? { status: 'running' as const };
      const { type: _type, jobId: _jobId, nodeId: _nodeId, ...stage } = event;
      return setNode(state, event.nodeId, {
        ...old,
        status: 'running',
        stage: describeStage(stage),
        ...(stage.model !== undefined ? { stageModel: stage.model } : {}),
      });
    }
    case 'node:done': {
      const old = state.nodes[event.nodeId];
      return setNode(state, event.nodeId, {
        status: 'done',
        ms: event.ms,
        ...(old?.total !== undefined ? { step: old.total, total: old.total } : {}),
      });
    }
    case 'node:error':
      return setNode(state, event.nodeId, { status: 'error', message: event.message });
    case 'node:warning': {
      const old = state.nodes[event.nodeId] ?? { status: 'running' as const };
      return setNode(state, event.nodeId, { ...old, warnings: [...(old.warnings ?? []), event.message] });
    }
    case 'node:output': {
      const previous = state.outputs[event.nodeId] ?? [];
      const sameJob = previous.filter((o) => o.jobId === event.jobId);
      return {
        ...state,
        outputs: {
          ...state.outputs,
          [event.nodeId]: [...sameJob, { jobId: event.jobId, artifact: event.artifact }],
        },
      };
    }
    case 'job:done':
      return {
        ...updateJob(state, event.jobId, { phase: 'done', ms: event.ms }),
        nodes: settle(state.nodes),
      };
    case 'job:failed': {
      let next = updateJob(state, event.jobId, { phase: 'failed', message: event.message });
      const nodes = settle(next.nodes);
      if (event.nodeId && !nodes[event.nodeId])
        nodes[event.nodeId] = { status: 'error', message: event.message };
      next = { ...next, nodes, issues: event.issues ?? [] };
      return next;
    }
    case 'job:cancelled':
      return { ...updateJob(state, event.jobId, { phase: 'cancelled' }), nodes: settle(state.nodes) };
  }
}
