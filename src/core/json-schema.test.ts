import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diamondGraph } from '../../test/fixtures/arithmetic-registry';
import { GRAPH_SCHEMA_PATH, graphJsonSchema, serializeJsonSchema } from './json-schema';

describe('published JSON Schema', () => {
  it('is up to date with the zod schema (run `npm run schema` after changing it)', () => {
    const published = readFileSync(new URL(`../../${GRAPH_SCHEMA_PATH}`, import.meta.url), 'utf8');
    expect(published).toBe(serializeJsonSchema());
  });

  it('describes the envelope, nodes and edges', () => {
    const schema = graphJsonSchema() as { required?: string[]; properties?: Record<string, unknown> };
    expect(schema.required).toEqual(expect.arrayContaining(['format', 'version', 'nodes', 'edges']));
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['nodes', 'edges', 'groups', 'notes', 'models', 'layout']),
    );
    expect(JSON.stringify(diamondGraph())).toContain('"format":"kosmograph.graph"');
  });
});
