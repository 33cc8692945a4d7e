import { z } from 'zod';
import { GRAPH_VERSION, graphDocumentSchema } from './document';

/** The published JSON Schema of the current graph document version. */
export function graphJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(graphDocumentSchema, { target: 'draft-2020-12', unrepresentable: 'any' });
  return {
    ...schema,
    $id: `https://kosmograph.dev/schema/graph.v${GRAPH_VERSION}.json`,
    title: `kosmograph graph document, version ${GRAPH_VERSION}`,
  };
}

export const GRAPH_SCHEMA_PATH = `public/schema/graph.v${GRAPH_VERSION}.json`;

export function serializeJsonSchema(): string {
  return `${JSON.stringify(graphJsonSchema(), null, 2)}\n`;
}
