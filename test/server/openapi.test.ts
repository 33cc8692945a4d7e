import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH, serializeOpenApi } from '../../src/server/openapi';

describe('public/openapi.json', () => {
  it('is what scripts/write-openapi.ts makes from the zod schemas now (run `npm run openapi`)', () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(serializeOpenApi());
  });

  it('describes every endpoint the server routes', () => {
    const doc = JSON.parse(serializeOpenApi()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((k) => k !== 'parameters')
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /jobs',
        'GET /jobs/{id}',
        'DELETE /jobs/{id}',
        'GET /jobs/{id}/events',
        'GET /jobs/{id}/outputs/{name}',
        'GET /nodes',
        'GET /health',
      ].sort(),
    );
  });
});
