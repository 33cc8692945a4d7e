import type { z } from 'zod';
import { graphV0Schema, migrateV0ToV1 } from './v0';

/**
 * The envelope's version sequence: each step parses a document of its frozen
 * version and returns the next version's (still unvalidated) document.
 * Adding version N+1: freeze the current schema as `vN.ts`, add a step here.
 */
interface MigrationStep {
  readonly from: number;
  readonly schema: z.ZodType;
  readonly migrate: (doc: never) => unknown;
}

export const ENVELOPE_MIGRATIONS: readonly MigrationStep[] = [
  { from: 0, schema: graphV0Schema, migrate: migrateV0ToV1 as (doc: never) => unknown },
];
