/** Names shared by `kosmograph serve --redis` and `kosmograph worker` (one Redis, one queue). */
export const QUEUE_NAME = 'kosmograph-jobs';
/** A job's events: a Redis stream, written by the worker running it, read by the server's SSE. */
export const eventsKey = (jobId: string) => `kosmograph:events:${jobId}`;
/** Set when a job is cancelled (its value: the job's creation time, ms). */
export const cancelKey = (jobId: string) => `kosmograph:cancel:${jobId}`;
/** Pub/sub channel: a cancelled job's id, for the worker running it. */
export const CANCEL_CHANNEL = 'kosmograph:cancel';
/** How long finished jobs, their events and cancel marks are kept. */
export const KEEP_SECONDS = 24 * 3600;
/** Attempts per job (infrastructure failures only; graph errors fail at once) and their backoff. */
export const JOB_ATTEMPTS = 3;
export const BACKOFF_MS = 1000;
