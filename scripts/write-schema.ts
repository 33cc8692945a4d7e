// Writes the published JSON Schema of the graph document (public/schema/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GRAPH_SCHEMA_PATH, serializeJsonSchema } from '../src/core/json-schema';

mkdirSync(dirname(GRAPH_SCHEMA_PATH), { recursive: true });
writeFileSync(GRAPH_SCHEMA_PATH, serializeJsonSchema());
console.log(`wrote ${GRAPH_SCHEMA_PATH}`);
