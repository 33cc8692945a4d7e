import type { GraphDocument } from '../core/document';
import type { JobView } from './job-model';
import type { WireEvent } from './wire-event';

/** One event of a job's log, with the id a Server-Sent Events client resumes from. */
export interface JobEventRecord {
  readonly id: string;
  readonly event: WireEvent;
}

export type CancelOutcome = 'cancelled' | 'finished' | 'not_found';

/** What the HTTP layer needs from a queue: the in-process one or BullMQ on Redis. */
export interface JobQueue {
  readonly kind: 'memory' | 'redis';
  /** Queues a validated graph under `id`. */
  submit(id: string, graph: GraphDocument): Promise<void>;
  get(id: string): Promise<JobView | undefined>;
  /**
   * The job's events: those so far (after `afterId`), then live ones, ending after the
   * terminal event (job:done, job:failed, job:cancelled) or when `signal` aborts.
   */
  events(id: string, signal: AbortSignal, afterId?: string): AsyncIterable<JobEventRecord>;
  /** Cancels that job only: a queued one never runs, a running one stops at its next step. */
  cancel(id: string): Promise<CancelOutcome>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
