// Writes the OpenAPI description of `kosmograph serve` (public/openapi.json) from its zod schemas.
import { writeFileSync } from 'node:fs';
import { OPENAPI_PATH, serializeOpenApi } from '../src/server/openapi';

writeFileSync(OPENAPI_PATH, serializeOpenApi());
console.log(`wrote ${OPENAPI_PATH}`);
