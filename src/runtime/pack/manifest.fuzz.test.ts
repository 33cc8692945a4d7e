/** Fuzzing the pack manifest parser: mutations of the reference manifest, only PackError. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { fuzzRuns, fuzzTimeout, hostileJson } from '../../../test/fixtures/fuzz';
import { loadManifest, PackError } from './manifest';

const text = readFileSync(
  join(resolve(import.meta.dirname, '../../../public/packs/shapes-world'), 'manifest.json'),
  'utf8',
);

/** The value at a random path replaced (or, with `undefined`, removed). */
function mutate(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return replacement;
  const [key, child] = entries[path[0]! % entries.length]!;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  (copy as Record<string, unknown>)[key] = mutate(child, path.slice(1), replacement);
  return copy;
}

describe('fuzz: pack manifest', () => {
  it(
    'parses mutated manifests throwing only PackError',
    () => {
      const replacement = fc.oneof(
        hostileJson(3),
        fc.constant(undefined),
        fc.array(fc.oneof(fc.nat({ max: 100_000 }), fc.string()), { maxLength: 5 }),
        fc.constantFrom(30000, 2 ** 31, -1, 0),
      );
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 7 }), replacement, (path, value) => {
          try {
            loadManifest(mutate(JSON.parse(text), path, value), 'manifest.json');
          } catch (error) {
            if (!(error instanceof PackError)) throw error;
          }
        }),
        { numRuns: fuzzRuns(300) },
      );
    },
    fuzzTimeout(300),
  );
});
