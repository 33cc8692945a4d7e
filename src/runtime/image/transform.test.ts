import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRasterImage, type RasterImage } from '../../core/image';
import {
  CLIP_NORMALIZATION,
  centerCropToAspect,
  crop,
  fromChwFloat,
  resize,
  resizeCover,
  toChwFloat,
} from './transform';

function fromFn(
  width: number,
  height: number,
  fn: (x: number, y: number) => [number, number, number],
): RasterImage {
  const img = createRasterImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) img.data.set(fn(x, y), (y * width + x) * 3);
  return img;
}

const px = (img: RasterImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('resize', () => {
  it('downscales by area averaging (exact 2x box)', () => {
    const img = fromFn(4, 2, (x, y) => [x * 10 + y, 100, x < 2 ? 0 : 255]);
    const out = resize(img, 2, 1);
    // Block (0..1, 0..1): values 0,10,1,11 -> 5.5 -> 6 (round half up)
    expect(px(out, 0, 0)).toEqual([6, 100, 0]);
    expect(px(out, 1, 0)).toEqual([26, 100, 255]);
  });

  it('downscales by a non-integer factor with fractional coverage', () => {
    const img = fromFn(3, 1, (x) => [x === 1 ? 255 : 0, 0, 0]);
    const out = resize(img, 2, 1);
    // Output 0 covers [0, 1.5): 1 x 0 + 0.5 x 255 over 1.5 -> 85.
    expect(px(out, 0, 0)[0]).toBe(85);
    expect(px(out, 1, 0)[0]).toBe(85);
  });

  it('upscales bilinearly with half-pixel centres', () => {
    const img = fromFn(2, 1, (x) => [x * 200, 0, 0]);
    const out = resize(img, 4, 1);
    expect(Array.from({ length: 4 }, (_, x) => px(out, x, 0)[0])).toEqual([0, 50, 150, 200]);
  });

  it('mixes modes per axis and preserves flat colours', () => {
    const img = fromFn(10, 3, () => [12, 34, 56]);
    const out = resize(img, 3, 7);
    expect([out.width, out.height]).toEqual([3, 7]);
    for (let i = 0; i < out.data.length; i += 3)
      expect(Array.from(out.data.subarray(i, i + 3))).toEqual([12, 34, 56]);
  });

  it('preserves the mean on downscale (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (k, m, seed) => {
          const w = k * m + 2;
          const img = fromFn(w, 3, (x, y) => [(x * 31 + y * 17 + seed) % 256, 0, 0]);
          const out = resize(img, m, 1);
          const mean = (im: RasterImage) => {
            let s = 0;
            for (let i = 0; i < im.data.length; i += 3) s += im.data[i]!;
            return s / (im.width * im.height);
          };
          expect(Math.abs(mean(out) - mean(img))).toBeLessThanOrEqual(0.5 + 1e-9);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('returns a copy for same size and rejects bad sizes', () => {
    const img = fromFn(2, 2, () => [1, 2, 3]);
    const same = resize(img, 2, 2);
    expect(same.data).toEqual(img.data);
    expect(same.data).not.toBe(img.data);
    expect(() => resize(img, 0, 2)).toThrow(RangeError);
    expect(() => resize(img, 1.5, 2)).toThrow(RangeError);
  });
});

describe('crop', () => {
  const img = fromFn(6, 4, (x, y) => [x, y, 0]);

  it('crops a region', () => {
    const out = crop(img, 1, 2, 3, 2);
    expect([out.width, out.height]).toEqual([3, 2]);
    expect(px(out, 0, 0)).toEqual([1, 2, 0]);
    expect(px(out, 2, 1)).toEqual([3, 3, 0]);
    expect(() => crop(img, 4, 0, 3, 1)).toThrow(RangeError);
  });

  it('centre-crops to an aspect ratio', () => {
    const square = centerCropToAspect(img, 1, 1);
    expect([square.width, square.height]).toEqual([4, 4]);
    expect(px(square, 0, 0)).toEqual([1, 0, 0]);
    const tall = centerCropToAspect(img, 1, 2);
    expect([tall.width, tall.height]).toEqual([2, 4]);
    expect(px(tall, 0, 0)).toEqual([2, 0, 0]);
    const wide = centerCropToAspect(img, 3, 1);
    expect([wide.width, wide.height]).toEqual([6, 2]);
    expect(px(wide, 0, 0)).toEqual([0, 1, 0]);
    const cover = resizeCover(img, 2, 2);
    expect([cover.width, cover.height]).toEqual([2, 2]);
  });
});

describe('toChwFloat / fromChwFloat', () => {
  const img = fromFn(3, 2, (x, y) => [x * 100, y * 255, 51]);

  it('lays out planes in NCHW order with [0,1] range by default', () => {
    const t = toChwFloat(img);
    expect(t.length).toBe(18);
    expect(t[0]).toBeCloseTo(0);
    expect(t[2]).toBeCloseTo(200 / 255);
    expect(t[6 + 3]).toBeCloseTo(1); // G plane, pixel (0, 1)
    expect(t[12]).toBeCloseTo(0.2); // B plane
  });

  it('supports [-1,1] and mean/std normalisation', () => {
    const s = toChwFloat(img, { range: [-1, 1] });
    expect(s[0]).toBeCloseTo(-1);
    expect(s[9]).toBeCloseTo(1);
    const n = toChwFloat(img, { ...CLIP_NORMALIZATION });
    expect(n[12]).toBeCloseTo((0.2 - 0.40821073) / 0.27577711, 5);
    const m = toChwFloat(img, { mean: 0.5, std: 0.5 });
    m.forEach((v, i) => {
      expect(v).toBeCloseTo(s[i]!, 6);
    });
  });

  it('round-trips through both ranges exactly', () => {
    const all = fromFn(16, 16, (x, y) => [x * 16 + y, 255 - (x * 16 + y), (x * 7 + y) % 256]);
    for (const range of [
      [0, 1],
      [-1, 1],
    ] as const) {
      expect(fromChwFloat(toChwFloat(all, { range }), 16, 16, range).data).toEqual(all.data);
    }
  });

  it('clamps, rounds and handles NaN and batches', () => {
    const data = new Float32Array(2 * 3 * 1 * 2);
    data.set([-0.5, 2, Number.NaN, 0.5, 0.499 / 255, 1.5 / 255], 6); // batch item 1
    const out = fromChwFloat(data, 2, 1, [0, 1], 1);
    expect(Array.from(out.data)).toEqual([0, 0, 0, 255, 128, 2]);
    expect(() => fromChwFloat(data, 2, 1, [0, 1], 2)).toThrow(RangeError);
  });
});
