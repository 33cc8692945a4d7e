/**
 * Issue 14's decompression bombs, built in memory: each is refused from its header or while it
 * inflates, with a message naming the file and the limit, before the decoder allocates.
 */
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { concat, latin1, pngChunk, pngFile, zlibBomb } from '../../../test/fixtures/deflate-bomb';
import { LIMIT_DEFAULTS } from '../../core/limits';
import { decodeImage, ImageDecodeError, jpegFrameSize } from './codec';

function decodeError(bytes: Uint8Array, limits = LIMIT_DEFAULTS): ImageDecodeError {
  try {
    decodeImage(bytes, 'bomb.png', limits);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    return error as ImageDecodeError;
  }
  throw new Error('expected an ImageDecodeError');
}

/** Grayscale rows: a filter byte then `width` samples. */
const rows = (width: number, height: number) => new Uint8Array(height * (width + 1));

describe('PNG budgets', () => {
  it('refuses image data that inflates past what the header implies (a 13 MB file of 2 GiB)', () => {
    const before = process.memoryUsage().arrayBuffers;
    const error = decodeError(pngFile(1000, 1000, [pngChunk('IDAT', zlibBomb(2 ** 31))]));
    expect(error.message).toMatch(
      /^cannot decode image "bomb\.png": image data \(IDAT\) inflates to more than the 1001000 bytes its header allows/,
    );
    // Nothing near the 2 GiB was kept (the bomb itself is 13 MB).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
  });

  it('refuses an iCCP colour profile bomb', () => {
    const iccp = pngChunk('iCCP', concat(latin1('icc\0\0'), zlibBomb(256 * 1024 * 1024)));
    const png = pngFile(2, 2, [iccp, pngChunk('IDAT', zlibSync(rows(2, 2)))]);
    expect(decodeError(png).message).toMatch(
      /iCCP colour profile inflates to more than 67108864 bytes \(limit png-chunk-bytes = 67108864; raise it with --limit png-chunk-bytes=N\)/,
    );
  });

  it('refuses more pixels than image-pixels from the header alone, and honours a raised limit', () => {
    const huge = pngFile(100_000, 100_000, [pngChunk('IDAT', zlibSync(new Uint8Array(10)))]);
    expect(decodeError(huge).message).toMatch(
      /PNG is 100000x100000 \(10000000000 pixels\), more than the 67108864 allowed \(limit image-pixels/,
    );
    const small = pngFile(4, 4, [pngChunk('IDAT', zlibSync(rows(4, 4)))]);
    expect(decodeError(small, { ...LIMIT_DEFAULTS, 'image-pixels': 15 }).message).toMatch(
      /more than the 15 allowed/,
    );
    expect(decodeImage(small, 'small.png', { ...LIMIT_DEFAULTS, 'image-pixels': 16 }).width).toBe(4);
  });
});

/** A JPEG that is only SOI, an APP0 segment and a SOF0 frame header declaring `width` x `height`. */
function jpegHeader(width: number, height: number): Uint8Array {
  const sof = [
    0xff,
    0xc0,
    0,
    17,
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ];
  const app0 = [0xff, 0xe0, 0, 16, ...latin1('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
  return Uint8Array.from([0xff, 0xd8, ...app0, ...sof, ...new Array(1000).fill(0)]);
}

describe('JPEG budgets', () => {
  it('reads the frame size from the SOF header', () => {
    expect(jpegFrameSize(jpegHeader(10240, 10000))).toEqual({ width: 10240, height: 10000 });
  });

  it('refuses a 1 KB JPEG declaring 10240x10000 before jpeg-js decodes it', () => {
    const error = decodeError(jpegHeader(10240, 10000));
    expect(error.message).toMatch(/JPEG is 10240x10000 \(102400000 pixels\), more than the 67108864 allowed/);
  });
});
