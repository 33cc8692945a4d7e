import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeSpec, NodeSpecLookup } from '../core/node-spec';
import { jobIdSchema, outputNameSchema } from './job-model';
import type { JobQueue } from './job-queue';
import { buildJobGraph, parseJobRequest, RequestError } from './job-request';
import type { OutputStore } from './output-store';
import type { PathPolicy } from './path-policy';

export interface HttpApiOptions {
  readonly queue: JobQueue;
  readonly store: OutputStore;
  readonly lookup: NodeSpecLookup;
  /** Every node kind, for GET /nodes (what `kosmograph nodes --json` prints). */
  readonly nodes: readonly NodeSpec[];
  readonly policy: PathPolicy;
  /** Bearer token every request but GET /health must carry; none: no auth (loopback only). */
  readonly token?: string;
  /** Origins allowed to call from a browser (CORS); none: no CORS headers at all. */
  readonly allowOrigins: readonly string[];
  readonly maxBodyBytes: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Reads the body, refusing (413) past `limit` bytes; a refused body is drained so the client reads the answer. */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new RequestError(413, `request body larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new RequestError(413, `request body larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

type Route =
  | { readonly name: 'health' | 'nodes' | 'jobs' }
  | { readonly name: 'job' | 'events'; readonly id: string }
  | { readonly name: 'output'; readonly id: string; readonly output: string };

/** The route of a path, its ids checked (zod) before anything uses them. */
function route(pathname: string): Route | RequestError | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  if (parts.length === 1 && parts[0] === 'health') return { name: 'health' };
  if (parts.length === 1 && parts[0] === 'nodes') return { name: 'nodes' };
  if (parts[0] !== 'jobs') return undefined;
  if (parts.length === 1) return { name: 'jobs' };
  let raw: string[];
  try {
    raw = parts.slice(1).map(decodeURIComponent);
  } catch {
    return new RequestError(400, 'malformed URL');
  }
  const id = jobIdSchema.safeParse(raw[0]);
  if (!id.success) return new RequestError(400, `"${raw[0]}" is not a job id`);
  if (raw.length === 1) return { name: 'job', id: id.data };
  if (raw.length === 2 && raw[1] === 'events') return { name: 'events', id: id.data };
  if (raw.length === 3 && raw[1] === 'outputs') {
    const output = outputNameSchema.safeParse(raw[2]);
    if (!output.success) return new RequestError(400, `"${raw[2]}" is not an output name`);
    return { name: 'output', id: id.data, output: output.data };
  }
  return undefined;
}

const ALLOWED: Record<Route['name'], readonly string[]> = {
  health: ['GET'],
  nodes: ['GET'],
  jobs: ['POST'],
  job: ['GET', 'DELETE'],
  events: ['GET'],
  output: ['GET'],
};

/**
 * The HTTP API of `kosmograph serve` on Node's own http module (a dozen routes do not need a
 * framework). Every request body, query and path param is checked before the queue sees it.
 */
export function createHttpApi(options: HttpApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { queue } = options;
  const tokenDigest = options.token ? digest(options.token) : undefined;
  const authorized = (req: IncomingMessage) => {
    if (!tokenDigest) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), tokenDigest);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const cors: Record<string, string> =
      origin && options.allowOrigins.includes(origin)
        ? { 'access-control-allow-origin': origin, vary: 'origin' }
        : {};
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    const found = route(url.pathname);
    if (found instanceof RequestError) throw found;
    if (!found) throw new RequestError(404, `no such endpoint: ${url.pathname}`);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...(cors['access-control-allow-origin']
          ? {
              'access-control-allow-methods': ALLOWED[found.name].join(', '),
              'access-control-allow-headers': 'authorization, content-type, last-event-id',
              'access-control-max-age': '600',
            }
          : {}),
      });
      res.end();
      return;
    }
    if (!ALLOWED[found.name].includes(method))
      throw new RequestError(
        405,
        `${method} is not allowed on ${url.pathname} (${ALLOWED[found.name].join(', ')})`,
      );
    if (found.name !== 'health' && !authorized(req)) {
      req.resume();
      sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
      return;
    }

    switch (found.name) {
      case 'health': {
        // A queue that does not answer in 2 s (Redis down) makes the server unhealthy, not hung.
        const wait = new AbortController();
        const counts = await Promise.race([
          queue.counts().catch(() => undefined),
          sleep(2000, undefined, { signal: wait.signal }).catch(() => undefined),
        ]);
        wait.abort();
        if (!counts) return sendJson(res, 503, { ok: false, queue: queue.kind, counts: {} });
        return sendJson(res, 200, { ok: true, queue: queue.kind, counts });
      }
      case 'nodes':
        return sendJson(res, 200, { nodes: options.nodes });
      case 'jobs': {
        const body = await readBody(req, options.maxBodyBytes);
        const { request, loaded } = await parseJobRequest(
          req.headers['content-type'] ?? '',
          body,
          url.searchParams,
          options.lookup,
        );
        const graph = buildJobGraph(request, loaded, options.lookup, options.policy);
        const id = randomUUID();
        await queue.submit(id, graph);
        return sendJson(
          res,
          201,
          { id, status: 'queued', warnings: loaded.warnings },
          { location: `/jobs/${id}` },
        );
      }
      case 'job': {
        if (method === 'DELETE') {
          const outcome = await queue.cancel(found.id);
          if (outcome === 'not_found') throw new RequestError(404, `no job "${found.id}"`);
          if (outcome === 'finished') throw new RequestError(409, `job "${found.id}" has already finished`);
          return sendJson(res, 202, { id: found.id, status: 'cancelling' });
        }
        const view = await queue.get(found.id);
        if (!view) throw new RequestError(404, `no job "${found.id}"`);
        return sendJson(res, 200, view);
      }
      case 'output': {
        const view = await queue.get(found.id);
        if (!view) throw new RequestError(404, `no job "${found.id}"`);
        const output = view.outputs.find((o) => o.name === found.output);
        if (!output) {
          const names = view.outputs.map((o) => o.name).join(', ') || 'none yet';
          throw new RequestError(
            404,
            `job "${found.id}" has no output "${found.output}" (outputs: ${names})`,
          );
        }
        const bytes = await options.store.get(output.sha256);
        if (!bytes) throw new RequestError(410, `output ${output.sha256} is no longer in the store`);
        res.writeHead(200, {
          'content-type': output.mediaType,
          'content-length': bytes.length,
          etag: `"${output.sha256}"`,
          'cache-control': 'private, max-age=31536000, immutable',
        });
        res.end(bytes);
        return;
      }
      case 'events':
        return streamEvents(req, res, queue, found.id);
    }
  };

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof RequestError) {
        sendJson(
          res,
          error.status,
          { error: error.message, ...(error.issues ? { issues: error.issues } : {}) },
          error.status === 413 ? { connection: 'close' } : {},
        );
        return;
      }
      sendJson(res, 500, { error: `internal error: ${(error as Error).message}` });
    });
  };
}

/** Server-Sent Events: what happened so far (after Last-Event-ID), then live, then the stream ends. */
async function streamEvents(req: IncomingMessage, res: ServerResponse, queue: JobQueue, id: string) {
  if (!(await queue.get(id))) throw new RequestError(404, `no job "${id}"`);
  const lastEventId = req.headers['last-event-id'];
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': kosmograph events\n\n');
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  try {
    const after =
      typeof lastEventId === 'string' && /^[0-9-]{1,40}$/.test(lastEventId) ? lastEventId : undefined;
    for await (const record of queue.events(id, controller.signal, after)) {
      res.write(`id: ${record.id}\ndata: ${JSON.stringify(record.event)}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}
