import { type Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { GraphDocument } from '../core/document';
import { type JobView, jobFailureSchema, jobResultDataSchema, type QueuedJobData } from './job-model';
import type { CancelOutcome, JobEventRecord, JobQueue } from './job-queue';
import {
  BACKOFF_MS,
  CANCEL_CHANNEL,
  cancelKey,
  eventsKey,
  JOB_ATTEMPTS,
  KEEP_SECONDS,
  QUEUE_NAME,
} from './redis-keys';
import { TERMINAL_EVENTS, type WireEvent } from './wire-event';

type StreamEntries = [id: string, fields: string[]][];

function parseEntries(entries: StreamEntries): JobEventRecord[] {
  return entries.flatMap(([id, fields]) => {
    const json = fields[fields.indexOf('e') + 1];
    if (json === undefined) return [];
    try {
      return [{ id, event: JSON.parse(json) as WireEvent }];
    } catch {
      return [];
    }
  });
}

const QUEUED_STATES = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'unknown']);

/**
 * A BullMQ job as the API shows it. `state` must be read before `job` was fetched: states only
 * move forward, so a job read after its state says completed carries its return value.
 */
function viewOf(job: Job<QueuedJobData>, state: string, cancelled: boolean): JobView {
  const base = {
    id: job.id!,
    createdAt: job.timestamp,
    attempts: job.attemptsStarted ?? job.attemptsMade,
    outputs: [],
    ...(job.processedBy ? { worker: job.processedBy } : {}),
    ...(job.finishedOn ? { finishedAt: job.finishedOn } : {}),
  };
  if (state === 'completed') {
    const result = jobResultDataSchema.safeParse(job.returnvalue);
    return { ...base, status: 'done', outputs: result.success ? result.data.outputs : [] };
  }
  if (state === 'failed') {
    let failure: unknown;
    try {
      failure = JSON.parse(job.failedReason);
    } catch {
      failure = undefined;
    }
    const parsed = jobFailureSchema.safeParse(failure);
    if (parsed.success)
      return {
        ...base,
        status: parsed.data.status,
        ...(parsed.data.error ? { error: parsed.data.error } : {}),
      };
    return { ...base, status: 'failed', error: { message: job.failedReason || 'failed' } };
  }
  if (cancelled) return { ...base, status: 'cancelled' };
  return { ...base, status: QUEUED_STATES.has(state) ? 'queued' : 'running' };
}

/**
 * The server's side of the BullMQ queue: adds jobs (with attempts and backoff for
 * infrastructure failures), reads their state, streams their events from Redis, and
 * cancels them (a waiting job is removed; a running one hears of it on a pub/sub channel).
 */
export function createRedisQueue(redisUrl: string, store: string): JobQueue {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  // ioredis reconnects by itself; requests fail meanwhile (500) and /health says so.
  let down = false;
  connection.on('error', (error: Error) => {
    if (!down) console.error(`redis: ${error.message} (reconnecting)`);
    down = true;
  });
  connection.on('ready', () => {
    down = false;
  });
  const queue = new Queue<QueuedJobData>(QUEUE_NAME, { connection });
  const readers = new Set<Redis>();

  const getJob = async (id: string) => (await queue.getJob(id)) as Job<QueuedJobData> | undefined;

  return {
    kind: 'redis',
    async submit(id: string, graph: GraphDocument) {
      await queue.add(
        'run',
        { graph, store, createdAt: Date.now() },
        {
          jobId: id,
          attempts: JOB_ATTEMPTS,
          backoff: { type: 'exponential', delay: BACKOFF_MS },
          removeOnComplete: { age: KEEP_SECONDS },
          removeOnFail: { age: KEEP_SECONDS },
        },
      );
    },

    async get(id) {
      const [state, mark] = await Promise.all([queue.getJobState(id), connection.get(cancelKey(id))]);
      const job = state === 'unknown' ? undefined : await getJob(id);
      if (job) return viewOf(job, state, mark !== null);
      // A job cancelled while it waited was removed from the queue; its mark remains.
      if (mark === null) return undefined;
      return { id, status: 'cancelled', createdAt: Number(mark) || 0, attempts: 0, outputs: [] };
    },

    async *events(id, signal, afterId) {
      const key = eventsKey(id);
      let last = afterId ?? '-';
      const first = await connection.xrange(key, afterId ? `(${afterId}` : '-', '+');
      for (const record of parseEntries(first as StreamEntries)) {
        yield record;
        last = record.id;
        if (TERMINAL_EVENTS.has(record.event.type)) return;
      }
      if (last === '-') last = '0-0';
      // Blocking reads need their own connection; closing it ends a read when the client leaves.
      const reader = connection.duplicate();
      readers.add(reader);
      const stop = () => reader.disconnect();
      signal.addEventListener('abort', stop);
      try {
        while (!signal.aborted) {
          const answer = (await reader.xread('BLOCK', 2000, 'STREAMS', key, last).catch(() => null)) as
            | [string, StreamEntries][]
            | null;
          if (signal.aborted) return;
          if (answer === null) {
            // Nothing new: a job that ended without a terminal event (e.g. it stalled too often) ends here.
            const view = await this.get(id);
            if (!view) return;
            if (view.status === 'queued' || view.status === 'running') continue;
            const type =
              view.status === 'done' ? 'job:done' : view.status === 'failed' ? 'job:failed' : 'job:cancelled';
            yield {
              id: `${Date.now()}-0`,
              event: { type, jobId: id, ...(view.error ? { message: view.error.message } : {}) },
            };
            return;
          }
          for (const record of parseEntries(answer[0]?.[1] ?? [])) {
            yield record;
            last = record.id;
            if (TERMINAL_EVENTS.has(record.event.type)) return;
          }
        }
      } finally {
        signal.removeEventListener('abort', stop);
        readers.delete(reader);
        reader.disconnect();
      }
    },

    async cancel(id): Promise<CancelOutcome> {
      const job = await getJob(id);
      if (!job) return (await connection.exists(cancelKey(id))) ? 'finished' : 'not_found';
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') return 'finished';
      await connection.set(cancelKey(id), String(job.timestamp), 'EX', KEEP_SECONDS);
      if (QUEUED_STATES.has(state)) {
        try {
          await job.remove(); // fails if a worker took it meanwhile: then the channel reaches it
          await connection
            .multi()
            .xadd(eventsKey(id), '*', 'e', JSON.stringify({ type: 'job:cancelled', jobId: id }))
            .expire(eventsKey(id), KEEP_SECONDS)
            .exec();
          return 'cancelled';
        } catch {
          // taken by a worker: fall through to the channel
        }
      }
      await connection.publish(CANCEL_CHANNEL, id);
      return 'cancelled';
    },

    async counts() {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'completed',
        'failed',
        'delayed',
        'prioritized',
      );
      return counts;
    },

    async close() {
      for (const reader of readers) reader.disconnect();
      await queue.close();
      connection.disconnect();
    },
  };
}
