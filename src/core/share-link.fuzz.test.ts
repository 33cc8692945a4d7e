/** Fuzzing the share-link decoder: any text or compressed bytes, only GraphValidationError. */
import fc from 'fast-check';
import { zlibSync } from 'fflate';
import { describe, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { fuzzRuns, fuzzTimeout, hostileJson } from '../../test/fixtures/fuzz';
import { decodeShareLink, encodeBase64Url } from './share-link';
import { GraphValidationError } from './validation-error';

const lookup = createNodeRegistry().lookup;

function onlyOurErrors(link: string): void {
  try {
    decodeShareLink(link, lookup);
  } catch (error) {
    if (!(error instanceof GraphValidationError)) throw error;
  }
}

describe('fuzz: share links', () => {
  it(
    'decodes any fragment, base64url bytes or compressed JSON throwing only GraphValidationError',
    () => {
      const link = fc.oneof(
        fc.string({ maxLength: 300 }).map((s) => `https://x/#graph=${s}`),
        fc.uint8Array({ maxLength: 300 }).map((b) => `#graph=${encodeBase64Url(b)}`),
        hostileJson().map(
          (v) => `#graph=${encodeBase64Url(zlibSync(new TextEncoder().encode(JSON.stringify(v) ?? '')))}`,
        ),
        fc
          .integer({ min: 1, max: 20_000 })
          .map(
            (d) =>
              `#graph=${encodeBase64Url(zlibSync(new TextEncoder().encode(`{"format":"kosmograph.graph","version":1,"edges":[],"nodes":[{"id":"a","type":"x","typeVersion":1,"params":{"p":${'['.repeat(d)}${']'.repeat(d)}}}]}`)))}`,
          ),
      );
      fc.assert(fc.property(link, onlyOurErrors), { numRuns: fuzzRuns(300) });
    },
    fuzzTimeout(300),
  );
});
