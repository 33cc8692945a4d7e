import { z } from 'zod';
import type { GraphDocument } from '../core/document';
import type { Artifact } from '../core/node-definition';
import { formatIssue, VALIDATION_CODES } from '../core/validation-error';
import type { EngineApi, EngineRunOptions, EngineStatus, PackInfo } from '../engine/engine-api';
import type { EngineEvent, JobResult } from '../engine/events';
import { healthSchema, jobCreatedSchema, jobViewSchema } from '../server/job-model';
import { dataUrlBlob, decodePngToRaster } from './remote-engine-raster';
import { readSse } from './remote-engine-sse';

/**
 * The editor's engine on a `kosmograph serve` (docs/server.md, "Editor on a server"): the same
 * EngineApi as the engine worker. `run` posts the graph (the images the user picked are already
 * data: URLs in it), streams the job's Server-Sent Events into the editor's callbacks, with the
 * editor's own job id, previews decoded from their PNG data: URLs and each output downloaded from
 * /jobs/:id/outputs/:name; `cancel` sends DELETE. Every response is checked with zod.
 */
export interface RemoteEngineOptions {
  /** The server's base URL, e.g. `http://gpu-box:8188`. */
  readonly url: string;
  /** Its Bearer token; none for a loopback server started without --token. */
  readonly token?: string;
  readonly fetch?: typeof fetch;
}

/** A structured issue as the server sends it (the CLI's codes; the server's schema types `code` as a string). */
const issueSchema = z.object({
  code: z.enum(VALIDATION_CODES),
  nodeId: z.string().optional(),
  port: z.string().optional(),
  param: z.string().optional(),
  message: z.string(),
});
const issuesSchema = z.array(issueSchema).optional();
const requestErrorSchema = z.object({ error: z.string(), issues: issuesSchema });

/** The server's events as they travel (src/server/wire-event.ts): what `run --json` prints. */
const wireEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('job:start'), nodeIds: z.array(z.string()) }),
  z.object({ type: z.literal('node:start'), nodeId: z.string() }),
  z.object({ type: z.literal('node:cached'), nodeId: z.string() }),
  z.object({
    type: z.literal('node:progress'),
    nodeId: z.string(),
    step: z.number(),
    total: z.number(),
    preview: z
      .object({
        width: z.number().int(),
        height: z.number().int(),
        png: z.string().startsWith('data:image/png'),
      })
      .optional(),
  }),
  z.object({
    type: z.literal('node:stage'),
    nodeId: z.string(),
    stage: z.enum(['loading', 'compiling', 'running']),
    model: z.string().optional(),
    bytes: z.number().optional(),
    totalBytes: z.number().optional(),
    step: z.number().optional(),
    total: z.number().optional(),
    etaMs: z.number().optional(),
  }),
  z.object({
    type: z.literal('node:output'),
    nodeId: z.string(),
    artifact: z.object({ kind: z.enum(['image', 'file']), fileName: z.string() }),
  }),
  z.object({ type: z.literal('node:warning'), nodeId: z.string(), message: z.string() }),
  z.object({ type: z.literal('node:done'), nodeId: z.string(), ms: z.number() }),
  z.object({ type: z.literal('node:error'), nodeId: z.string(), message: z.string() }),
  z.object({ type: z.literal('job:done'), ms: z.number(), executed: z.number(), cached: z.number() }),
  z.object({
    type: z.literal('job:failed'),
    nodeId: z.string().optional(),
    message: z.string(),
    issues: issuesSchema,
  }),
  z.object({ type: z.literal('job:cancelled') }),
]);
type WireEvent = z.infer<typeof wireEventSchema>;
const nodesSchema = z.object({ nodes: z.array(z.object({ type: z.string() })) });
type WireOutput = Extract<WireEvent, { type: 'node:output' }>;

/** Drops keys whose value is undefined (zod leaves none, but the event types are exact). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export class RemoteEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteEngineError';
  }
}

interface RemoteJob {
  serverId?: string;
  cancelRequested: boolean;
  stream?: AbortController;
}

/** How many times a dropped event stream is resumed (Last-Event-ID) before the run fails. */
const STREAM_RETRIES = 3;

export function createRemoteEngine(options: RemoteEngineOptions): EngineApi {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const jobs = new Map<string, RemoteJob>();
  const where = new URL(base).host;

  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (options.token) headers.set('authorization', `Bearer ${options.token}`);
    try {
      return await doFetch(`${base}${path}`, { ...init, headers });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new RemoteEngineError(
        `the server ${base} does not answer (${(error as Error).message}); is it running, and started with --allow-origin ${globalThis.location?.origin ?? 'this page'}?`,
      );
    }
  };

  /** A JSON answer checked against `schema`; an error answer (or a 401) becomes a message a user can act on. */
  const json = async <T>(response: Response, schema: z.ZodType<T>, what: string): Promise<T> => {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new RemoteEngineError(`${what}: the server answered HTTP ${response.status} without JSON`);
    }
    if (response.status === 401)
      throw new RemoteEngineError(`${what}: the server ${base} refused the token (Models > Engine)`);
    if (!response.ok) {
      const error = requestErrorSchema.safeParse(body);
      throw new RemoteEngineError(
        `${what}: HTTP ${response.status}${error.success ? `: ${error.data.error}` : ''}`,
      );
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new RemoteEngineError(
        `${what}: unexpected answer from ${base} (${parsed.error.issues[0]?.message})`,
      );
    return parsed.data;
  };

  const sendCancel = async (serverId: string) => {
    const response = await request(`/jobs/${encodeURIComponent(serverId)}`, { method: 'DELETE' });
    // 409: it finished meanwhile; 404: the server forgot it. Either way nothing is left to stop.
    await response.body?.cancel();
  };

  /** A stored output as the editor's artifact: a PNG decoded for display (its bytes kept for saving). */
  const download = async (serverId: string, event: WireOutput): Promise<Artifact | undefined> => {
    const view = await json(
      await request(`/jobs/${encodeURIComponent(serverId)}`),
      jobViewSchema,
      `GET /jobs/${serverId}`,
    );
    const stored =
      view.outputs.find((o) => o.nodeId === event.nodeId && o.name === event.artifact.fileName) ??
      view.outputs.find((o) => o.nodeId === event.nodeId);
    if (!stored) return undefined;
    const path = `/jobs/${encodeURIComponent(serverId)}/outputs/${encodeURIComponent(stored.name)}`;
    const response = await request(path);
    if (!response.ok) throw new RemoteEngineError(`GET ${path}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (event.artifact.kind === 'image' && stored.mediaType === 'image/png') {
      const image = await decodePngToRaster(new Blob([bytes], { type: 'image/png' }));
      return { kind: 'image', fileName: event.artifact.fileName, image, png: bytes };
    }
    return { kind: 'file', fileName: stored.name, bytes, mediaType: stored.mediaType };
  };

  /** A wire event as the editor's event, under the editor's job id. */
  const toEngineEvent = async (jobId: string, event: WireEvent): Promise<EngineEvent | undefined> => {
    switch (event.type) {
      case 'node:output':
        return undefined; // delivered with its downloaded bytes when the job is done
      case 'node:progress': {
        const { preview, ...rest } = event;
        if (!preview) return { ...rest, jobId };
        return { ...rest, jobId, preview: await decodePngToRaster(await dataUrlBlob(preview.png)) };
      }
      case 'job:failed':
        return defined({ ...event, jobId });
      case 'node:stage':
        return defined({ ...event, jobId });
      default:
        return { ...event, jobId };
    }
  };

  const run = async (
    graph: GraphDocument,
    { jobId }: EngineRunOptions,
    onEvent: (event: EngineEvent) => void,
  ): Promise<JobResult> => {
    const job: RemoteJob = { cancelRequested: false };
    jobs.set(jobId, job);
    const fail = (
      message: string,
      extra: Omit<NonNullable<JobResult['error']>, 'message'> = {},
    ): JobResult => {
      onEvent({ type: 'job:failed', jobId, message, ...extra });
      return { jobId, status: 'failed', artifacts: [], error: { message, ...extra } };
    };
    try {
      const created = await request('/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ graph }),
      });
      if (created.status === 400) {
        const body = requestErrorSchema.safeParse(await created.json().catch(() => undefined));
        if (body.success)
          return fail(
            `the server refused the graph: ${body.data.issues?.map(formatIssue).join('; ') || body.data.error}`,
            {
              ...(body.data.issues ? { issues: body.data.issues } : {}),
            },
          );
      }
      const { id: serverId } = await json(created, jobCreatedSchema, 'POST /jobs');
      job.serverId = serverId;
      if (job.cancelRequested) await sendCancel(serverId);

      const outputs: WireOutput[] = [];
      let lastEventId: string | undefined;
      for (let attempt = 0; ; attempt++) {
        job.stream = new AbortController();
        const response = await request(`/jobs/${encodeURIComponent(serverId)}/events`, {
          headers: lastEventId ? { 'last-event-id': lastEventId } : {},
          signal: job.stream.signal,
        });
        if (!response.ok || !response.body) await json(response, z.never(), `GET /jobs/${serverId}/events`);
        for await (const message of readSse(response.body!)) {
          if (message.id !== undefined) lastEventId = message.id;
          let raw: unknown;
          try {
            raw = JSON.parse(message.data);
          } catch {
            throw new RemoteEngineError(`the server's event stream sent a line that is not JSON`);
          }
          const parsed = wireEventSchema.safeParse(raw);
          if (!parsed.success) continue; // an event kind this editor does not know: skipped, as the CLI's reader does
          const event = parsed.data;
          if (event.type === 'node:output') {
            outputs.push(event);
            continue;
          }
          if (event.type === 'job:done') {
            const artifacts: { nodeId: string; artifact: Artifact }[] = [];
            for (const output of outputs) {
              const artifact = await download(serverId, output);
              if (!artifact) {
                onEvent({
                  type: 'node:warning',
                  jobId,
                  nodeId: output.nodeId,
                  message: `${output.artifact.fileName} is a preview: the server ${where} keeps only saved files`,
                });
                continue;
              }
              artifacts.push({ nodeId: output.nodeId, artifact });
              onEvent({ type: 'node:output', jobId, nodeId: output.nodeId, artifact });
            }
            onEvent({ ...event, jobId });
            return { jobId, status: 'done', artifacts };
          }
          const converted = await toEngineEvent(jobId, event);
          if (converted) onEvent(converted);
          if (event.type === 'job:cancelled') return { jobId, status: 'cancelled', artifacts: [] };
          if (event.type === 'job:failed') {
            const { nodeId, message: text, issues } = event;
            return {
              jobId,
              status: 'failed',
              artifacts: [],
              error: defined({ nodeId, message: text, issues }),
            };
          }
        }
        if (attempt >= STREAM_RETRIES)
          return fail(`the server ${where} closed the event stream of job ${serverId} before it ended`);
      }
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    } finally {
      job.stream?.abort();
      jobs.delete(jobId);
    }
  };

  return {
    run,
    async cancel(jobId) {
      const job = jobs.get(jobId);
      if (!job || job.cancelRequested) return;
      job.cancelRequested = true;
      // Before POST /jobs answered, run sends the DELETE as soon as it knows the server's id.
      if (job.serverId) await sendCancel(job.serverId);
    },
    async loadPack(source): Promise<PackInfo> {
      throw new RemoteEngineError(
        `the server ${where} opens models itself: a graph's "${source}" is looked up under its --models folder`,
      );
    },
    async loadPackFiles(name): Promise<PackInfo> {
      throw new RemoteEngineError(
        `a picked folder (${name}) stays in this browser: the server ${where} opens models from its --models folder`,
      );
    },
    async status(): Promise<EngineStatus> {
      // /health needs no token; /nodes does, so a wrong token shows here rather than at Run.
      const [health] = await Promise.all([
        request('/health').then((r) => json(r, healthSchema, 'GET /health')),
        request('/nodes').then((r) => json(r, nodesSchema, 'GET /nodes')),
      ]);
      if (!health.ok)
        throw new RemoteEngineError(`the server ${where} is not healthy (its ${health.queue} queue)`);
      return {
        // /health does not name the server's ONNX Runtime backend; the headless engine's is cpu.
        backend: 'cpu',
        fallbackReason: `on the server ${where} (${health.queue} queue)`,
        runningJobs: [...jobs.keys()],
        loadedSessions: 0,
        loadedBytes: 0,
      };
    },
  };
}
