/**
 * Fuzzing the PNG chunk reader with well-formed chunk framing (valid CRCs) around random and
 * compressed text chunk bodies: only PngMetadataError, within the inflate budgets.
 */
import fc from 'fast-check';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { concat, latin1, pngChunk, pngFile } from '../../test/fixtures/deflate-bomb';
import { fuzzRuns, fuzzTimeout } from '../../test/fixtures/fuzz';
import { LIMIT_DEFAULTS } from './limits';
import { PngMetadataError, readPngTextChunksDetailed } from './png-metadata';

const keyword = fc.oneof(
  fc.constantFrom('kosmograph', 'prompt', 'workflow', ''),
  fc.string({ maxLength: 90 }),
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.string({ maxLength: 200 }).map((s) => zlibSync(new TextEncoder().encode(s))),
  fc.integer({ min: 0, max: 300_000 }).map((n) => zlibSync(new Uint8Array(n))),
);
const textChunk = fc.oneof(
  fc.tuple(keyword, body).map(([k, b]) => pngChunk('tEXt', concat(latin1(`${k}\0`), b))),
  fc
    .tuple(keyword, fc.integer({ min: 0, max: 2 }), body)
    .map(([k, m, b]) => pngChunk('zTXt', concat(latin1(`${k}\0`), Uint8Array.of(m), b))),
  fc
    .tuple(
      keyword,
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 1 }),
      fc.string({ maxLength: 8 }),
      body,
    )
    .map(([k, flag, m, lang, b]) =>
      pngChunk('iTXt', concat(latin1(`${k}\0`), Uint8Array.of(flag, m), latin1(`${lang}\0\0`), b)),
    ),
  fc.uint8Array({ maxLength: 40 }).map((b) => pngChunk('tIME', b)),
);

// Small budgets so the properties also cross them.
const limits = { ...LIMIT_DEFAULTS, 'png-chunk-bytes': 100_000, 'png-total-bytes': 250_000 };

describe('fuzz: PNG text chunks', () => {
  it(
    'reads any sequence of text chunks throwing only PngMetadataError',
    () => {
      fc.assert(
        fc.property(
          fc.array(textChunk, { maxLength: 6 }),
          fc.integer({ min: -1, max: 200 }),
          (chunks, cut) => {
            const png = pngFile(1, 1, chunks);
            const bytes = cut < 0 ? png : png.subarray(0, Math.max(0, png.length - cut));
            try {
              const entries = readPngTextChunksDetailed(bytes, limits);
              const total = entries.reduce((sum, e) => sum + (e.compressed ? e.text.length : 0), 0);
              expect(total).toBeLessThanOrEqual(limits['png-total-bytes'] * 2);
            } catch (error) {
              if (!(error instanceof PngMetadataError)) throw error;
            }
          },
        ),
        { numRuns: fuzzRuns(300) },
      );
    },
    fuzzTimeout(300),
  );
});
