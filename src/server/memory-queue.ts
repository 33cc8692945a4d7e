import { EventEmitter, on } from 'node:events';
import type { GraphDocument } from '../core/document';
import type { EngineApi } from '../engine/engine-api';
import type { JobView } from './job-model';
import type { CancelOutcome, JobEventRecord, JobQueue } from './job-queue';
import { runJob } from './job-runner';
import type { OutputStore } from './output-store';
import { TERMINAL_EVENTS, toWireEvent } from './wire-event';

interface MemoryJob {
  view: JobView;
  readonly graph: GraphDocument;
  readonly log: JobEventRecord[];
  readonly emitter: EventEmitter;
}

/**
 * The embedded queue (`kosmograph serve` without --redis): jobs run one at a time on the
 * server's own engine, in order. Jobs live as long as the process.
 */
export function createMemoryQueue(engine: EngineApi, store: OutputStore): JobQueue {
  const jobs = new Map<string, MemoryJob>();
  const pending: string[] = [];
  let running: string | undefined;
  let closed = false;

  const record = (job: MemoryJob, event: JobEventRecord['event']) => {
    const entry = { id: String(job.log.length + 1), event };
    job.log.push(entry);
    job.emitter.emit('event', entry);
  };

  const pump = async () => {
    if (running !== undefined || closed) return;
    const id = pending.shift();
    if (id === undefined) return;
    const job = jobs.get(id)!;
    running = id;
    job.view = { ...job.view, status: 'running', attempts: 1, worker: 'embedded' };
    // The terminal event waits until the outputs are stored and the view says so: a client
    // that sees job:done can fetch them at once.
    let terminal: JobEventRecord['event'] | undefined;
    try {
      const outcome = await runJob(engine, job.graph, id, store, (event) => {
        const wire = toWireEvent(event);
        if (TERMINAL_EVENTS.has(wire.type)) terminal = wire;
        else record(job, wire);
      });
      job.view = {
        ...job.view,
        status: outcome.status,
        finishedAt: Date.now(),
        ...(outcome.status === 'done' ? { outputs: outcome.outputs } : {}),
        ...(outcome.status === 'failed' ? { error: outcome.error } : {}),
      };
      record(
        job,
        terminal ?? { type: `job:${outcome.status === 'done' ? 'done' : outcome.status}`, jobId: id },
      );
    } catch (error) {
      const message = `the server could not finish the job: ${(error as Error).message}`;
      job.view = { ...job.view, status: 'failed', finishedAt: Date.now(), error: { message } };
      record(job, { type: 'job:failed', jobId: id, message });
    } finally {
      running = undefined;
      void pump();
    }
  };

  return {
    kind: 'memory',
    async submit(id, graph) {
      const view: JobView = { id, status: 'queued', createdAt: Date.now(), attempts: 0, outputs: [] };
      jobs.set(id, { view, graph, log: [], emitter: new EventEmitter() });
      pending.push(id);
      void pump();
    },
    async get(id) {
      return jobs.get(id)?.view;
    },
    async *events(id, signal, afterId) {
      const job = jobs.get(id);
      if (!job) return;
      const after = afterId === undefined ? 0 : Number(afterId) || 0;
      // Listen before replaying so nothing falls between the two.
      const live = on(job.emitter, 'event', { signal });
      // The log may grow while this replays; the live side skips what the replay gave.
      for (let i = after; i < job.log.length; i++) {
        const entry = job.log[i]!;
        yield entry;
        if (TERMINAL_EVENTS.has(entry.event.type)) return;
      }
      if (job.view.status === 'done' || job.view.status === 'failed' || job.view.status === 'cancelled')
        return;
      const seen = job.log.length;
      try {
        for await (const [entry] of live) {
          const record = entry as JobEventRecord;
          if (Number(record.id) <= seen) continue;
          yield record;
          if (TERMINAL_EVENTS.has(record.event.type)) return;
        }
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    },
    async cancel(id): Promise<CancelOutcome> {
      const job = jobs.get(id);
      if (!job) return 'not_found';
      if (job.view.status === 'queued') {
        pending.splice(pending.indexOf(id), 1);
        job.view = { ...job.view, status: 'cancelled', finishedAt: Date.now() };
        record(job, { type: 'job:cancelled', jobId: id });
        return 'cancelled';
      }
      if (job.view.status !== 'running') return 'finished';
      await engine.cancel(id);
      return 'cancelled';
    },
    async counts() {
      const counts: Record<string, number> = { queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
      for (const job of jobs.values()) counts[job.view.status] = (counts[job.view.status] ?? 0) + 1;
      return counts;
    },
    async close() {
      closed = true;
      if (running !== undefined) await engine.cancel(running);
    },
  };
}
