import { z } from 'zod';
import { graphJsonSchema } from '../core/json-schema';
import {
  healthSchema,
  jobCreatedSchema,
  jobRequestSchema,
  jobViewSchema,
  requestErrorSchema,
  wireEventSchema,
} from './job-model';

export const OPENAPI_PATH = 'public/openapi.json';

/** JSON Schema of a zod schema, as OpenAPI 3.1 takes it (draft 2020-12), without its $schema line. */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    io: 'input',
  }) as Record<string, unknown>;
  return rest;
}

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const error = (description: string) => ({ description, content: json('RequestError') });
const jobId = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
};

/** The OpenAPI document of `kosmograph serve`, built from the same zod schemas the server checks with. */
export function buildOpenApi(): Record<string, unknown> {
  const { $schema: _, $id: __, ...graph } = graphJsonSchema();
  return {
    openapi: '3.1.0',
    info: {
      title: 'kosmograph serve',
      version: '1',
      description:
        'Queue and run kosmograph graphs. Every endpoint but GET /health needs `Authorization: Bearer <token>` when the server has a token (always when it listens beyond loopback). See docs/server.md.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Graph: graph,
        JobRequest: schemaOf(jobRequestSchema),
        JobCreated: schemaOf(jobCreatedSchema),
        Job: schemaOf(jobViewSchema),
        RequestError: schemaOf(requestErrorSchema),
        Health: schemaOf(healthSchema),
        Event: schemaOf(wireEventSchema),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/jobs': {
        post: {
          summary: 'Queue a graph (validated first: nothing is queued when it is refused)',
          requestBody: {
            required: true,
            content: {
              ...json('JobRequest'),
              'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: {
                    graph: { type: 'string', description: 'graph JSON or a kosmograph PNG (file or text)' },
                    seed: { type: 'integer', minimum: 0 },
                    set: { type: 'array', items: { type: 'string' }, description: 'NODE.PARAM=VALUE' },
                  },
                  patternProperties: { '^input\\.': { type: 'string', contentMediaType: 'image/*' } },
                  required: ['graph'],
                },
              },
            },
          },
          parameters: [
            { name: 'seed', in: 'query', description: 'image/png bodies only', schema: { type: 'integer' } },
            {
              name: 'set',
              in: 'query',
              description: 'image/png bodies only',
              schema: { type: 'array', items: { type: 'string' } },
            },
          ],
          responses: {
            201: { description: 'queued', content: json('JobCreated') },
            400: error(
              'invalid graph (issues as `kosmograph validate` gives them), a path outside the allowed folders, or a malformed body',
            ),
            401: error('missing or wrong bearer token'),
            413: error('body larger than --max-body-mb'),
            415: error('unsupported content type'),
          },
        },
      },
      '/jobs/{id}': {
        parameters: [jobId],
        get: {
          summary: 'A job: status, worker, attempts, outputs, error',
          responses: { 200: { description: 'the job', content: json('Job') }, 404: error('no such job') },
        },
        delete: {
          summary: 'Cancel this job only (queued: it never runs; running: it stops at its next sampler step)',
          responses: {
            202: { description: 'cancelling' },
            404: error('no such job'),
            409: error('the job has already finished'),
          },
        },
      },
      '/jobs/{id}/events': {
        parameters: [jobId],
        get: {
          summary:
            'Server-Sent Events: what happened so far (after Last-Event-ID), then live; ends after job:done, job:failed or job:cancelled',
          parameters: [{ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }],
          responses: {
            200: {
              description:
                'one `data:` line per event, JSON as `kosmograph run --json` prints it; previews carry `png` (a data: URL)',
              content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/Event' } } },
            },
            404: error('no such job'),
          },
        },
      },
      '/jobs/{id}/outputs/{name}': {
        parameters: [jobId, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          summary: "An output's bytes (content-addressed: the ETag is its sha256)",
          responses: {
            200: { description: 'the file', content: { 'image/png': {}, 'application/octet-stream': {} } },
            404: error('no such job or output'),
            410: error('no longer in the store'),
          },
        },
      },
      '/nodes': {
        get: {
          summary: 'The node kinds this server runs (as `kosmograph nodes --json`)',
          responses: { 200: { description: 'node specs', content: { 'application/json': {} } } },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness and queue counts (no token needed)',
          security: [],
          responses: {
            200: { description: 'ok', content: json('Health') },
            503: { description: 'the queue (Redis) does not answer', content: json('Health') },
          },
        },
      },
    },
  };
}

export function serializeOpenApi(): string {
  return `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
}
