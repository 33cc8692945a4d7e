import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRasterImage, type RasterImage } from '../../core/image';
import { canny, gaussianBlur } from './canny';

function fromFn(width: number, height: number, fn: (x: number, y: number) => number): RasterImage {
  const img = createRasterImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) img.data.fill(fn(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return img;
}

function edgePixels(edges: RasterImage): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < edges.height; y++) {
    for (let x = 0; x < edges.width; x++) {
      const v = edges.data[(y * edges.width + x) * 3]!;
      expect(v === 0 || v === 255).toBe(true);
      if (v === 255) out.push([x, y]);
    }
  }
  return out;
}

const isEdge = (e: RasterImage, x: number, y: number) => e.data[(y * e.width + x) * 3] === 255;

describe('canny', () => {
  it('finds no edges in a flat image', () => {
    for (const v of [0, 128, 255]) {
      const edges = canny(
        fromFn(40, 30, () => v),
        { lowThreshold: 1, highThreshold: 2 },
      );
      expect(edgePixels(edges)).toEqual([]);
      expect([edges.width, edges.height]).toEqual([40, 30]);
    }
  });

  it('puts the edges of a filled square on its outline', () => {
    // Square covers pixels 20..43 inclusive; the boundary lies between 19|20 and 43|44.
    const img = fromFn(64, 64, (x, y) => (x >= 20 && x <= 43 && y >= 20 && y <= 43 ? 255 : 0));
    const edges = canny(img, { lowThreshold: 100, highThreshold: 200 });
    const pts = edgePixels(edges);
    expect(pts.length).toBeGreaterThan(60);
    for (const [x, y] of pts) {
      const dx = Math.min(Math.abs(x - 19.5), Math.abs(x - 43.5));
      const dy = Math.min(Math.abs(y - 19.5), Math.abs(y - 43.5));
      const onVertical = dx <= 1.5 && y >= 18 && y <= 45;
      const onHorizontal = dy <= 1.5 && x >= 18 && x <= 45;
      expect(onVertical || onHorizontal, `edge at ${x},${y}`).toBe(true);
    }
    // Every side is covered along its length (corners may be rounded by the blur).
    for (let t = 23; t <= 40; t++) {
      expect(
        [19, 20].some((x) => isEdge(edges, x, t)),
        `left side at y=${t}`,
      ).toBe(true);
      expect(
        [43, 44].some((x) => isEdge(edges, x, t)),
        `right side at y=${t}`,
      ).toBe(true);
      expect(
        [19, 20].some((y) => isEdge(edges, t, y)),
        `top side at x=${t}`,
      ).toBe(true);
      expect(
        [43, 44].some((y) => isEdge(edges, t, y)),
        `bottom side at x=${t}`,
      ).toBe(true);
    }
    // Thin: each side is one pixel wide.
    for (let t = 23; t <= 40; t++) {
      expect([18, 19, 20, 21].filter((x) => isEdge(edges, x, t)).length).toBe(1);
    }
  });

  it('puts the edges of a filled circle on its outline', () => {
    const cx = 48.3;
    const cy = 40.7;
    const r = 25;
    const img = fromFn(96, 80, (x, y) => (Math.hypot(x - cx, y - cy) <= r ? 200 : 30));
    for (const l2Gradient of [false, true]) {
      const edges = canny(img, { lowThreshold: 50, highThreshold: 150, l2Gradient });
      const pts = edgePixels(edges);
      for (const [x, y] of pts)
        expect(Math.abs(Math.hypot(x - cx, y - cy) - r), `edge at ${x},${y}`).toBeLessThanOrEqual(1.6);
      // The outline is closed: every direction has an edge pixel within 2 px of the circle.
      for (let a = 0; a < 360; a += 3) {
        const t = (a * Math.PI) / 180;
        const qx = cx + r * Math.cos(t);
        const qy = cy + r * Math.sin(t);
        expect(
          pts.some(([x, y]) => Math.hypot(x - qx, y - qy) <= 2),
          `angle ${a}`,
        ).toBe(true);
      }
      expect(pts.length).toBeLessThan(2 * Math.PI * r * 1.6);
    }
  });

  it('thresholds behave monotonically (property)', () => {
    const image = fc
      .tuple(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 3, max: 12 }))
      .chain(([w, h]) =>
        fc
          .uint8Array({ minLength: w * h, maxLength: w * h })
          .map((g) => fromFn(w, h, (x, y) => g[y * w + x]!)),
      );
    const thresholds = fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(image, thresholds, fc.boolean(), (img, t, l2Gradient) => {
        const [a, b, c, d] = t.sort((p, q) => p - q) as [number, number, number, number];
        const blurSigma = l2Gradient ? 0 : 1;
        // (a, c) is looser than (b, d) in both thresholds: its edges must be a superset.
        const loose = canny(img, { lowThreshold: a, highThreshold: c, l2Gradient, blurSigma });
        const tight = canny(img, { lowThreshold: b, highThreshold: d, l2Gradient, blurSigma });
        for (let i = 0; i < tight.data.length; i++)
          if (tight.data[i] === 255) expect(loose.data[i]).toBe(255);
      }),
      { numRuns: 200 },
    );
  });

  it('raising thresholds removes weak edges', () => {
    const img = fromFn(48, 24, (x) => (x < 16 ? 0 : x < 32 ? 40 : 255));
    const count = (low: number, high: number) =>
      edgePixels(canny(img, { lowThreshold: low, highThreshold: high })).length;
    const both = count(20, 40);
    const strongOnly = count(300, 500);
    expect(both).toBeGreaterThan(strongOnly);
    expect(strongOnly).toBeGreaterThan(0);
    expect(count(2000, 2100)).toBe(0);
    // Swapped thresholds are accepted like OpenCV.
    expect(count(40, 20)).toBe(both);
  });

  it('validates options and blurs with a normalised kernel', () => {
    const img = fromFn(4, 4, () => 0);
    expect(() => canny(img, { lowThreshold: -1, highThreshold: 10 })).toThrow(RangeError);
    expect(() => canny(img, { lowThreshold: 1, highThreshold: Number.NaN })).toThrow(RangeError);
    const flat = gaussianBlur(new Float32Array(25).fill(77), 5, 5, 1.4);
    for (const v of flat) expect(v).toBeCloseTo(77, 4);
  });

  it('handles a 1x1 and a 1-row image', () => {
    expect(
      edgePixels(
        canny(
          fromFn(1, 1, () => 9),
          { lowThreshold: 10, highThreshold: 20 },
        ),
      ),
    ).toEqual([]);
    const row = canny(
      fromFn(9, 1, (x) => (x < 4 ? 0 : 255)),
      { lowThreshold: 10, highThreshold: 20, blurSigma: 0 },
    );
    expect(edgePixels(row).length).toBeGreaterThan(0);
  });
});
