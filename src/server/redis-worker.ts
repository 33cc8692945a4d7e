import { hostname } from 'node:os';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadGraphDocument } from '../core/load-document';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError } from '../core/validation-error';
import type { EngineApi } from '../engine/engine-api';
import { type JobFailure, type JobResultData, type QueuedJobData, queuedJobDataSchema } from './job-model';
import { runJob } from './job-runner';
import { createFolderOutputStore, type OutputStore } from './output-store';
import { CANCEL_CHANNEL, cancelKey, eventsKey, KEEP_SECONDS, QUEUE_NAME } from './redis-keys';
import { TERMINAL_EVENTS, toWireEvent, type WireEvent } from './wire-event';

export interface RedisWorkerOptions {
  readonly redisUrl: string;
  readonly concurrency: number;
  /** The engine jobs run on (one per worker process: its session pool stays warm across jobs). */
  readonly engine: EngineApi;
  /** How many times the engine restarted so far (a restart during a job is an infrastructure failure). */
  readonly engineRestarts: () => number;
  readonly lookup: NodeSpecLookup;
  /** BullMQ's lock: a worker silent this long is presumed dead and its job handed to another. */
  readonly lockMs?: number;
  /** One line per thing that happened (completed, cancel received, ...), for logs. */
  readonly log: (line: string) => void;
}

export interface RedisWorkerHandle {
  readonly name: string;
  /** Stops taking jobs and waits for the running ones (`force`: hand them back at once). */
  close(force?: boolean): Promise<void>;
}

const unrecoverable = (failure: JobFailure) => new UnrecoverableError(JSON.stringify(failure));

/**
 * `kosmograph worker`: a BullMQ worker that runs queued graphs on one engine. Events go to a
 * Redis stream per job; outputs to the store the job names; a cancel on the pub/sub channel
 * aborts that job's run. Graph errors and cancels fail the job at once (UnrecoverableError);
 * anything else (the engine dying, Redis, the store) is thrown and retried with backoff.
 */
export async function startRedisWorker(options: RedisWorkerOptions): Promise<RedisWorkerHandle> {
  const { engine, log } = options;
  const name = `${hostname()}-${process.pid}`;
  // Auto-pipelining sends the events a step emits together in one round trip.
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null, enableAutoPipelining: true });
  const subscriber = redis.duplicate();
  // BullMQ's own connection (a connection given to BullMQ is not closed by it: close() does).
  const bullConnection = redis.duplicate({ enableAutoPipelining: false });
  // ioredis reconnects by itself; say so once per outage instead of a stack trace per retry.
  let down = false;
  for (const connection of [redis, subscriber, bullConnection]) {
    connection.on('error', (error: Error) => {
      if (!down) log(`redis: ${error.message} (reconnecting)`);
      down = true;
    });
    connection.on('ready', () => {
      down = false;
    });
  }
  const stores = new Map<string, OutputStore>();
  /** Running jobs: the last sampler step each reported. */
  const running = new Map<string, { step: number }>();

  subscriber.on('message', (_channel: string, jobId: string) => {
    const job = running.get(jobId);
    if (!job) return;
    log(`cancel ${jobId} at step ${job.step}`);
    void engine.cancel(jobId);
  });
  await subscriber.subscribe(CANCEL_CHANNEL);

  const append = (jobId: string, event: WireEvent) =>
    redis.xadd(eventsKey(jobId), 'MAXLEN', '~', '10000', '*', 'e', JSON.stringify(event));
  /**
   * Each job's terminal event, held until BullMQ has recorded the outcome (and the outputs are
   * stored): a client that reads job:done finds the job done and its outputs there.
   */
  const terminal = new Map<string, WireEvent>();
  const publishEnd = async (jobId: string, fallback: WireEvent) => {
    const event = terminal.get(jobId) ?? fallback;
    terminal.delete(jobId);
    await redis
      .multi()
      .xadd(eventsKey(jobId), 'MAXLEN', '~', '10000', '*', 'e', JSON.stringify(event))
      .expire(eventsKey(jobId), KEEP_SECONDS)
      .exec();
  };

  const processor = async (job: Job<QueuedJobData, JobResultData>): Promise<JobResultData> => {
    const jobId = job.id!;
    const data = queuedJobDataSchema.safeParse(job.data);
    if (!data.success) throw unrecoverable({ status: 'failed', error: { message: 'malformed job data' } });
    let graph: ReturnType<typeof loadGraphDocument>['graph'];
    try {
      graph = loadGraphDocument(data.data.graph, options.lookup, 'job').graph;
    } catch (error) {
      if (!(error instanceof GraphValidationError)) throw error;
      throw unrecoverable({ status: 'failed', error: { message: error.message, issues: [...error.issues] } });
    }
    // This attempt's events replace an earlier attempt's (a worker that died mid-job).
    await redis.del(eventsKey(jobId));
    terminal.delete(jobId);
    if (await redis.exists(cancelKey(jobId))) {
      terminal.set(jobId, { type: 'job:cancelled', jobId });
      throw unrecoverable({ status: 'cancelled' });
    }
    let store = stores.get(data.data.store);
    if (!store) {
      store = createFolderOutputStore(data.data.store);
      stores.set(data.data.store, store);
    }
    const state = { step: 0 };
    running.set(jobId, state);
    const restartsBefore = options.engineRestarts();
    try {
      const outcome = await runJob(engine, graph, jobId, store, (event) => {
        if (event.type === 'node:progress') state.step = event.step;
        const wire = toWireEvent(event);
        if (TERMINAL_EVENTS.has(wire.type)) {
          terminal.set(jobId, wire);
          return undefined;
        }
        // Not awaited: commands on one connection stay in order, and the run does not wait for Redis.
        append(jobId, wire).catch((error: Error) => log(`events of ${jobId}: ${error.message}`));
        return undefined;
      });
      if (options.engineRestarts() !== restartsBefore)
        throw new Error('the engine worker stopped during the job');
      if (outcome.status === 'cancelled') throw unrecoverable({ status: 'cancelled' });
      if (outcome.status === 'failed') throw unrecoverable({ status: 'failed', error: outcome.error });
      return { outputs: outcome.outputs, ms: outcome.ms };
    } finally {
      running.delete(jobId);
    }
  };

  const lockDuration = options.lockMs ?? 30_000;
  const worker = new Worker<QueuedJobData, JobResultData>(QUEUE_NAME, processor, {
    connection: bullConnection,
    concurrency: options.concurrency,
    name,
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: 1,
  });
  // Logged once BullMQ has moved the job (a worker that lost its lock never gets here).
  worker.on('completed', (job) => {
    log(`completed ${job.id}`);
    void publishEnd(job.id!, { type: 'job:done', jobId: job.id! }).catch(() => undefined);
  });
  worker.on('failed', (job, error) => {
    log(`failed ${job?.id ?? '?'}: ${error.message}`);
    if (!job?.id) return;
    const attempts = job.opts.attempts ?? 1;
    if (error instanceof UnrecoverableError || job.attemptsMade >= attempts) {
      const message = `failed after ${job.attemptsMade} attempts: ${error.message}`;
      void publishEnd(job.id, { type: 'job:failed', jobId: job.id, message }).catch(() => undefined);
    } else {
      terminal.delete(job.id); // retried: the next attempt reports its own end
    }
  });
  worker.on('error', (error) => log(`error: ${error.message}`));
  await worker.waitUntilReady();

  return {
    name,
    async close(force = false) {
      await worker.close(force);
      subscriber.disconnect();
      bullConnection.disconnect();
      redis.disconnect();
    },
  };
}
