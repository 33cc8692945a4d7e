import { z } from 'zod';
import type { GraphDocument } from '../core/document';
import { readGraphFromPng } from '../core/graph-png';
import { type LoadedGraph, loadGraphDocument, loadGraphText } from '../core/load-document';
import type { NodeSpecLookup } from '../core/node-spec';
import { applyParamAssignments, applySeed, imageParamOf, parseAssignment } from '../core/param-overrides';
import { validateGraph } from '../core/validate';
import { GraphValidationError } from '../core/validation-error';
import { type JobRequest, jobRequestSchema } from './job-model';
import { applyPathPolicy, type PathPolicy } from './path-policy';

/** A request that cannot become a job: its HTTP status and what to tell the client. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: GraphValidationError['issues'],
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

const invalid = (error: GraphValidationError) => new RequestError(400, 'invalid graph', error.issues);

/** Query string of a PNG body: the overrides that JSON carries in its body. */
export const pngQuerySchema = z
  .object({
    seed: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    set: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict();

function zodMessage(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

/** Reads an upload: a kosmograph PNG or graph JSON text. */
function loadUpload(bytes: Uint8Array, lookup: NodeSpecLookup, name: string): LoadedGraph {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return readGraphFromPng(bytes, lookup, name);
  return loadGraphText(new TextDecoder().decode(bytes), lookup, name);
}

/** A request body, parsed by content type into one shape (JSON's). */
export async function parseJobRequest(
  contentType: string,
  body: Uint8Array,
  query: URLSearchParams,
  lookup: NodeSpecLookup,
): Promise<{ request: JobRequest; loaded: LoadedGraph }> {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  try {
    if (type === 'application/json') {
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(body));
      } catch (error) {
        throw new RequestError(400, `body is not valid JSON (${(error as Error).message})`);
      }
      const parsed = jobRequestSchema.safeParse(json);
      if (!parsed.success) throw new RequestError(400, zodMessage(parsed.error));
      const request = parsed.data;
      if ((request.graph === undefined) === (request.png === undefined))
        throw new RequestError(400, 'send exactly one of "graph" (a graph document) or "png" (base64)');
      const loaded =
        request.png !== undefined
          ? readGraphFromPng(new Uint8Array(Buffer.from(request.png, 'base64')), lookup, 'png')
          : loadGraphDocument(request.graph, lookup, 'graph');
      return { request, loaded };
    }
    if (type === 'image/png') {
      const parsed = pngQuerySchema.safeParse(Object.fromEntries(groupQuery(query)));
      if (!parsed.success) throw new RequestError(400, zodMessage(parsed.error));
      const { seed, set } = parsed.data;
      const request: JobRequest = {
        ...(seed !== undefined ? { seed } : {}),
        ...(set !== undefined ? { set: Array.isArray(set) ? set : [set] } : {}),
      };
      return { request, loaded: readGraphFromPng(body, lookup, 'body') };
    }
    if (type === 'multipart/form-data') return await parseMultipart(contentType, body, lookup);
  } catch (error) {
    if (error instanceof GraphValidationError) throw invalid(error);
    throw error;
  }
  throw new RequestError(
    415,
    `unsupported content type "${type}" (application/json, image/png, multipart/form-data)`,
  );
}

function groupQuery(query: URLSearchParams): [string, string | string[]][] {
  const keys = [...new Set(query.keys())];
  return keys.map((key) => {
    const values = query.getAll(key);
    return [key, values.length > 1 ? values : values[0]!];
  });
}

const multipartFieldsSchema = z
  .object({
    seed: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    set: z.array(z.string()).optional(),
  })
  .strict();

/**
 * multipart/form-data: `graph` (a file or text: JSON or PNG), `set` (repeated), `seed`, and
 * input images as files named `input.<nodeId>` (sent on as data: URLs). Parsed with the
 * platform's own FormData parser (undici) rather than a multipart library.
 */
async function parseMultipart(
  contentType: string,
  body: Uint8Array,
  lookup: NodeSpecLookup,
): Promise<{ request: JobRequest; loaded: LoadedGraph }> {
  let form: FormData;
  try {
    form = await new Response(Buffer.from(body), { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    throw new RequestError(400, `malformed multipart body (${(error as Error).message})`);
  }
  let loaded: LoadedGraph | undefined;
  const inputs: Record<string, string> = {};
  const fields: { seed?: string; set?: string[] } = {};
  for (const [name, value] of form.entries()) {
    if (name === 'graph') {
      const bytes =
        typeof value === 'string'
          ? new TextEncoder().encode(value)
          : new Uint8Array(await value.arrayBuffer());
      loaded = loadUpload(bytes, lookup, 'graph');
    } else if (name.startsWith('input.') && typeof value !== 'string') {
      const bytes = Buffer.from(await value.arrayBuffer());
      inputs[name.slice(6)] =
        `data:${value.type || 'application/octet-stream'};base64,${bytes.toString('base64')}`;
    } else if (name === 'set' && typeof value === 'string') {
      fields.set = [...(fields.set ?? []), value];
    } else if (name === 'seed' && typeof value === 'string') {
      fields.seed = value;
    } else {
      throw new RequestError(400, `unexpected form field "${name}" (graph, set, seed, input.<nodeId>)`);
    }
  }
  if (!loaded) throw new RequestError(400, 'the form has no "graph" field');
  const parsed = multipartFieldsSchema.safeParse(fields);
  if (!parsed.success) throw new RequestError(400, zodMessage(parsed.error));
  return {
    request: {
      ...(parsed.data.seed !== undefined ? { seed: parsed.data.seed } : {}),
      ...(parsed.data.set ? { set: parsed.data.set } : {}),
      inputs,
    },
    loaded,
  };
}

/**
 * The graph a request asks to run, as `kosmograph run` would build it: inputs, then `set`, then
 * `seed`; validated; every file it names checked against `policy` (and made absolute). As with
 * `kosmograph run`, files the graph names are not embedded; images sent as inputs are (data: URLs).
 * Throws a RequestError (400 with the issues) otherwise.
 */
export function buildJobGraph(
  request: JobRequest,
  loaded: LoadedGraph,
  lookup: NodeSpecLookup,
  policy: PathPolicy,
): GraphDocument {
  try {
    let graph = loaded.graph;
    const assignments = [
      ...Object.entries(request.inputs ?? {}).map(([nodeId, value]) => ({
        nodeId,
        param: imageParamOf(graph, nodeId, lookup),
        value,
      })),
      ...(request.set ?? []).map((text) => parseAssignment(text, 'set')),
    ];
    graph = applyParamAssignments(graph, assignments, lookup);
    if (request.seed !== undefined) graph = applySeed(graph, request.seed, lookup);
    const issues = validateGraph(graph, lookup);
    if (issues.length > 0) throw new GraphValidationError(issues);
    const checked = applyPathPolicy(graph, lookup, policy);
    if (checked.issues.length > 0) throw new GraphValidationError(checked.issues);
    return checked.graph;
  } catch (error) {
    if (error instanceof GraphValidationError) throw invalid(error);
    throw error;
  }
}
