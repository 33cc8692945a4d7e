import { encode as encodeFastPng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { createRasterImage, type RasterImage } from '../../core/image';
import { crc32, readPngChunks, readPngTextChunks } from '../../core/png-metadata';
import { decodeImage, encodePng, ImageDecodeError, sniffImageFormat } from './codec';

function gradient(width: number, height: number): RasterImage {
  const img = createRasterImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      img.data[o] = (x * 255) / Math.max(1, width - 1);
      img.data[o + 1] = (y * 255) / Math.max(1, height - 1);
      img.data[o + 2] = (x * 7 + y * 13) & 0xff;
    }
  }
  return img;
}

const pixel = (img: RasterImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

function insertBeforeIdat(png: Uint8Array, type: string, data: Uint8Array): Uint8Array {
  const idat = readPngChunks(png).find((c) => c.type === 'IDAT')!;
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(
    Array.from(type, (c) => c.charCodeAt(0)),
    4,
  );
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, idat.offset));
  out.set(chunk, idat.offset);
  out.set(png.subarray(idat.offset), idat.offset + chunk.length);
  return out;
}

describe('encodePng / decodeImage', () => {
  it('round-trips RGB exactly', () => {
    const img = gradient(37, 19);
    const decoded = decodeImage(encodePng(img), 'x.png');
    expect(decoded.width).toBe(37);
    expect(decoded.height).toBe(19);
    expect(decoded.data).toEqual(img.data);
  });

  it('is deterministic and embeds text chunks as iTXt', () => {
    const img = gradient(16, 16);
    const text = [
      { keyword: 'kosmograph', text: '{"graph":"ünïcode ✓"}' },
      { keyword: 'prompt', text: 'a photo', compressed: true },
    ];
    const a = encodePng(img, text);
    const b = encodePng(
      gradient(16, 16),
      text.map((t) => ({ ...t })),
    );
    expect(a).toEqual(b);
    expect(readPngTextChunks(a)).toEqual(text.map(({ keyword, text }) => ({ keyword, text })));
    expect(readPngChunks(a).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'iTXt', 'iTXt', 'IEND']);
    expect(decodeImage(a, 'a.png').data).toEqual(img.data);
  });

  it('composites RGBA over white', () => {
    const data = Uint8Array.of(255, 0, 0, 255, 255, 0, 0, 0, 0, 0, 0, 128, 10, 20, 30, 255);
    const img = decodeImage(encodeFastPng({ width: 2, height: 2, data, channels: 4, depth: 8 }), 'rgba.png');
    expect(pixel(img, 0, 0)).toEqual([255, 0, 0]);
    expect(pixel(img, 1, 0)).toEqual([255, 255, 255]);
    expect(pixel(img, 0, 1)).toEqual([127, 127, 127]);
    expect(pixel(img, 1, 1)).toEqual([10, 20, 30]);
  });

  it('handles 8-bit grayscale and grayscale+alpha', () => {
    const gray = decodeImage(
      encodeFastPng({ width: 3, height: 1, data: Uint8Array.of(0, 100, 255), channels: 1, depth: 8 }),
      'g.png',
    );
    expect(Array.from(gray.data)).toEqual([0, 0, 0, 100, 100, 100, 255, 255, 255]);
    const ga = decodeImage(
      encodeFastPng({ width: 2, height: 1, data: Uint8Array.of(0, 0, 0, 255), channels: 2, depth: 8 }),
      'ga.png',
    );
    expect(Array.from(ga.data)).toEqual([255, 255, 255, 0, 0, 0]);
  });

  it('handles 16-bit RGB and RGBA', () => {
    const rgb16 = Uint16Array.of(65535, 0, 32896, 257, 514, 771);
    const img = decodeImage(
      encodeFastPng({ width: 2, height: 1, data: rgb16, channels: 3, depth: 16 }),
      '16.png',
    );
    expect(Array.from(img.data)).toEqual([255, 0, 128, 1, 2, 3]);
    const rgba16 = Uint16Array.of(0, 0, 0, 32768, 65535, 65535, 65535, 65535);
    const img2 = decodeImage(
      encodeFastPng({ width: 2, height: 1, data: rgba16, channels: 4, depth: 16 }),
      '16a.png',
    );
    expect(Array.from(img2.data)).toEqual([127, 127, 127, 255, 255, 255]);
  });

  it('handles 1-bit and 4-bit grayscale with odd widths', () => {
    // width 10 at 1 bit: rows are 2 bytes. Row 0: 1010101010, row 1: 0000011111
    const bits = Uint8Array.of(0b10101010, 0b10000000, 0b00000111, 0b11000000);
    const img = decodeImage(
      encodeFastPng({ width: 10, height: 2, data: bits, channels: 1, depth: 1 }),
      '1bit.png',
    );
    const row = (y: number) => Array.from({ length: 10 }, (_, x) => pixel(img, x, y)[0]);
    expect(row(0)).toEqual([255, 0, 255, 0, 255, 0, 255, 0, 255, 0]);
    expect(row(1)).toEqual([0, 0, 0, 0, 0, 255, 255, 255, 255, 255]);
    const nibbles = Uint8Array.of(0x0f, 0x80);
    const img4 = decodeImage(
      encodeFastPng({ width: 3, height: 1, data: nibbles, channels: 1, depth: 4 }),
      '4bit.png',
    );
    expect(Array.from(img4.data)).toEqual([0, 0, 0, 255, 255, 255, 136, 136, 136]);
  });

  it('handles palette PNGs, with and without tRNS', () => {
    const palette = [
      [255, 0, 0, 0],
      [0, 0, 255, 128],
      [0, 255, 0, 255],
    ];
    const indices = Uint8Array.of(0, 1, 2, 2);
    const img = decodeImage(
      encodeFastPng({ width: 4, height: 1, data: indices, channels: 1, depth: 8, palette }),
      'p.png',
    );
    expect(pixel(img, 0, 0)).toEqual([255, 255, 255]);
    expect(pixel(img, 1, 0)).toEqual([127, 127, 255]);
    expect(pixel(img, 2, 0)).toEqual([0, 255, 0]);
    const opaque = palette.map((c) => c.slice(0, 3));
    const packed = Uint8Array.of(0b00011010); // 2-bit indices 0,1,2,2
    const img2 = decodeImage(
      encodeFastPng({ width: 4, height: 1, data: packed, channels: 1, depth: 2, palette: opaque }),
      'p2.png',
    );
    expect(Array.from(img2.data)).toEqual([255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 0]);
  });

  it('treats the tRNS colour key of an RGB PNG as transparent', () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5, 6, 4, 5, 7, 0, 0, 0);
    const png = insertBeforeIdat(
      encodeFastPng({ width: 2, height: 2, data, channels: 3, depth: 8 }),
      'tRNS',
      Uint8Array.of(0, 4, 0, 5, 0, 6),
    );
    expect(Array.from(decodeImage(png, 'key.png').data)).toEqual([1, 2, 3, 255, 255, 255, 4, 5, 7, 0, 0, 0]);
  });

  it('decodes JPEG (colour and within JPEG tolerance)', () => {
    const img = gradient(24, 16);
    const rgba = new Uint8Array(24 * 16 * 4);
    for (let i = 0; i < 24 * 16; i++) {
      rgba.set(img.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = 255;
    }
    const jpeg = new Uint8Array(encodeJpeg({ width: 24, height: 16, data: rgba }, 95).data);
    expect(sniffImageFormat(jpeg)).toBe('jpeg');
    const decoded = decodeImage(jpeg, 'photo.jpg');
    expect([decoded.width, decoded.height]).toEqual([24, 16]);
    let maxDiff = 0;
    for (let i = 0; i < img.data.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(decoded.data[i]! - img.data[i]!));
    expect(maxDiff).toBeLessThan(24);
  });
});

describe('decode errors', () => {
  it('names the file for unknown formats', () => {
    const gif = Uint8Array.from('GIF89a\0\0', (c) => c.charCodeAt(0));
    expect(() => decodeImage(gif, 'cat.gif')).toThrow(ImageDecodeError);
    expect(() => decodeImage(gif, 'cat.gif')).toThrow(/"cat\.gif".*not a PNG or JPEG/);
    expect(() => decodeImage(new Uint8Array(0), 'empty.png')).toThrow(/"empty\.png": file is empty/);
    try {
      decodeImage(gif, 'cat.gif');
    } catch (error) {
      expect((error as ImageDecodeError).fileName).toBe('cat.gif');
    }
  });

  it('wraps corrupt PNG and JPEG data', () => {
    const png = encodePng(gradient(8, 8));
    expect(() => decodeImage(png.subarray(0, png.length - 30), 'cut.png')).toThrow(ImageDecodeError);
    const flipped = png.slice();
    flipped[45]! ^= 0xff;
    expect(() => decodeImage(flipped, 'crc.png')).toThrow(/"crc\.png": invalid PNG/);
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3);
    expect(() => decodeImage(jpeg, 'bad.jpg')).toThrow(/"bad\.jpg": invalid JPEG/);
  });

  it('never throws anything but ImageDecodeError on random corruption', () => {
    const png = encodePng(gradient(12, 9), [{ keyword: 'k', text: 'v' }]);
    let seed = 1;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let n = 0; n < 300; n++) {
      const bytes = png.slice(0, 8 + (rand() % (png.length - 8)));
      for (let k = 0; k < 3; k++) bytes[8 + (rand() % (bytes.length - 8))] = rand() & 0xff;
      try {
        decodeImage(bytes, 'fuzz.png');
      } catch (error) {
        expect(error).toBeInstanceOf(ImageDecodeError);
      }
    }
  });
});
