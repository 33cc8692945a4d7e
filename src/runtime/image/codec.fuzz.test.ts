/**
 * Fuzzing the image decoders: mutated PNGs and JPEGs (valid files with bytes changed, cut or
 * headers rewritten) decode or throw ImageDecodeError, never anything else, within the budgets.
 */
import fc from 'fast-check';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzTimeout } from '../../../test/fixtures/fuzz';
import { createRasterImage } from '../../core/image';
import { LIMIT_DEFAULTS } from '../../core/limits';
import { crc32 } from '../../core/png-metadata';
import { decodeImage, encodePng, ImageDecodeError } from './codec';

const image = createRasterImage(9, 7);
for (let i = 0; i < image.data.length; i++) image.data[i] = (i * 37) % 256;
const png = encodePng(image, [{ keyword: 'kosmograph', text: '{"graph":{}}', compressed: true }]);
const jpeg = new Uint8Array(
  encodeJpeg(
    { width: 9, height: 7, data: Uint8Array.from({ length: 9 * 7 * 4 }, (_, i) => (i * 13) % 256) },
    80,
  ).data,
);
const limits = { ...LIMIT_DEFAULTS, 'image-pixels': 1 << 20 };

/** Changes `edits` bytes; with `fixCrc` the PNG chunk CRCs are recomputed so mutations reach the decoder. */
function mutate(
  bytes: Uint8Array,
  edits: readonly [number, number][],
  cut: number,
  fixCrc: boolean,
): Uint8Array {
  const out = bytes.slice(0, Math.max(0, bytes.length - cut));
  for (const [at, value] of edits) if (out.length > 0) out[at % out.length] = value;
  if (fixCrc && out.length > 8) {
    const view = new DataView(out.buffer);
    for (let at = 8; at + 12 <= out.length; ) {
      const length = view.getUint32(at);
      if (at + 12 + length > out.length) break;
      view.setUint32(at + 8 + length, crc32(out.subarray(at + 4, at + 8 + length)));
      at += 12 + length;
    }
  }
  return out;
}

describe('fuzz: image decoders', () => {
  it(
    'decode mutated PNGs and JPEGs or throw only ImageDecodeError',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom('png', 'jpeg'),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
          fc.oneof(fc.constant(0), fc.nat({ max: 200 })),
          fc.boolean(),
          (format, edits, cut, fixCrc) => {
            const bytes = mutate(format === 'png' ? png : jpeg, edits, cut, format === 'png' && fixCrc);
            try {
              const decoded = decodeImage(bytes, 'fuzz', limits);
              expect(decoded.width * decoded.height).toBeLessThanOrEqual(limits['image-pixels']);
            } catch (error) {
              if (!(error instanceof ImageDecodeError)) throw error;
            }
          },
        ),
        { numRuns: fuzzRuns(400) },
      );
    },
    fuzzTimeout(400),
  );
});
