import { z } from 'zod';

/**
 * The server's data at its edges (HTTP bodies and responses, BullMQ job data and results):
 * one zod schema each, so requests are checked and the OpenAPI file is generated from them.
 */

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatusName = z.infer<typeof jobStatusSchema>;

/** Job ids are made by the server (UUIDs); anything else in a URL is refused before Redis sees it. */
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a job id (letters, digits, - and _)');

/** An output's name inside its job: the file name the CLI would write. */
export const outputNameSchema = z.string().regex(/^[A-Za-z0-9._ -]{1,200}$/, 'an output file name');

export const validationIssueSchema = z.object({
  code: z.string(),
  nodeId: z.string().optional(),
  port: z.string().optional(),
  param: z.string().optional(),
  message: z.string(),
});

export const jobOutputSchema = z.object({
  /** Unique within the job: the file name `kosmograph run` would write (node id added on a clash). */
  name: z.string(),
  nodeId: z.string(),
  mediaType: z.string(),
  size: z.number().int().nonnegative(),
  /** Content address in the output store. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type JobOutput = z.infer<typeof jobOutputSchema>;

export const jobErrorSchema = z.object({
  nodeId: z.string().optional(),
  message: z.string(),
  issues: z.array(validationIssueSchema).optional(),
});
export type JobError = z.infer<typeof jobErrorSchema>;

/** What `GET /jobs/:id` answers. */
export const jobViewSchema = z.object({
  id: z.string(),
  status: jobStatusSchema,
  /** ms since the epoch. */
  createdAt: z.number(),
  finishedAt: z.number().optional(),
  /** The worker that ran (or runs) it, when known. */
  worker: z.string().optional(),
  /** Attempts started so far (retries after infrastructure failures). */
  attempts: z.number().int().nonnegative(),
  outputs: z.array(jobOutputSchema),
  error: jobErrorSchema.optional(),
});
export type JobView = z.infer<typeof jobViewSchema>;

/** `POST /jobs` as JSON. A PNG body (image/png) or multipart/form-data carry the same fields. */
export const jobRequestSchema = z
  .object({
    /** A kosmograph graph document (any version this build can migrate). */
    graph: z.unknown().optional(),
    /** A PNG made by kosmograph, base64 (instead of `graph`). */
    png: z
      .string()
      .max(64 * 1024 * 1024)
      .optional(),
    /** `NODE.PARAM=VALUE` overrides, as `kosmograph run --set`. */
    set: z
      .array(z.string().max(64 * 1024))
      .max(256)
      .optional(),
    /** Every seed param of the graph, as `kosmograph run --seed`. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    /** Input images by Load Image node id, as data: URLs (`kosmograph run --input`). */
    inputs: z.record(z.string(), z.string().startsWith('data:')).optional(),
  })
  .strict();
export type JobRequest = z.infer<typeof jobRequestSchema>;

export const jobCreatedSchema = z.object({
  id: z.string(),
  status: jobStatusSchema,
  warnings: z.array(z.string()),
});

export const requestErrorSchema = z.object({
  error: z.string(),
  issues: z.array(validationIssueSchema).optional(),
});

export const healthSchema = z.object({
  ok: z.boolean(),
  queue: z.enum(['memory', 'redis']),
  counts: z.record(z.string(), z.number()),
});

/** A Server-Sent Event's data: the same JSON lines as `kosmograph run --json`; previews carry a PNG data: URL. */
export const wireEventSchema = z
  .object({ type: z.string(), jobId: z.string() })
  .passthrough()
  .describe('an engine event as printed by `kosmograph run --json`');

/** BullMQ job data: what a worker needs to run the job. */
export const queuedJobDataSchema = z.object({
  graph: z.unknown(),
  /** The output store's folder, named by the server. */
  store: z.string().min(1),
  createdAt: z.number(),
});
export type QueuedJobData = z.infer<typeof queuedJobDataSchema>;

/** A BullMQ job's return value. */
export const jobResultDataSchema = z.object({ outputs: z.array(jobOutputSchema), ms: z.number() });
export type JobResultData = z.infer<typeof jobResultDataSchema>;

/** A failed job's reason, as the worker encodes it (JSON in BullMQ's failedReason). */
export const jobFailureSchema = z.object({
  status: z.enum(['failed', 'cancelled']),
  error: jobErrorSchema.optional(),
});
export type JobFailure = z.infer<typeof jobFailureSchema>;
