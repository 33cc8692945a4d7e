/**
 * Kosmos-G's image transform before the vision tower (app_model.py `_build_image_transform`): torchvision's
 * `Resize(224, BICUBIC)` of the shorter side on a PIL image, then `CenterCrop(224)`. PIL's bicubic resampling
 * is reproduced here to the byte (its separable passes, horizontal first, a = -0.5, support 2 x the scale
 * when shrinking, 22-bit fixed-point weights, each pass rounded to 8 bits): no JS image library implements
 * PIL's filter, and the vision tower was trained on PIL's pixels.
 */
import { createRasterImage, type RasterImage } from '../../src/core/image';

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;

function bicubic(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

interface Coeffs {
  readonly starts: Int32Array;
  readonly counts: Int32Array;
  /** Fixed-point weights, `ksize` per output pixel. */
  readonly weights: Int32Array;
  readonly ksize: number;
}

/** PIL's precompute_coeffs + normalize_coeffs_8bpc for one axis (box = the whole input). */
function coeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 2 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const starts = new Int32Array(outSize);
  const counts = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) / filterscale);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    starts[xx] = xmin;
    counts[xx] = xmax;
  }
  return { starts, counts, weights, ksize };
}

const clip8 = (v: number) => (v <= 0 ? 0 : v >= 256 * ONE ? 255 : Math.floor(v / ONE));

function horizontal(src: RasterImage, width: number): RasterImage {
  const c = coeffs(src.width, width);
  const out = new Uint8Array(width * src.height * 3);
  for (let y = 0; y < src.height; y++) {
    const row = y * src.width * 3;
    for (let x = 0; x < width; x++) {
      const start = c.starts[x]!;
      const base = x * c.ksize;
      let r = ONE / 2;
      let g = ONE / 2;
      let b = ONE / 2;
      for (let i = 0; i < c.counts[x]!; i++) {
        const w = c.weights[base + i]!;
        const s = row + (start + i) * 3;
        r += src.data[s]! * w;
        g += src.data[s + 1]! * w;
        b += src.data[s + 2]! * w;
      }
      const o = (y * width + x) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return createRasterImage(width, src.height, out);
}

function vertical(src: RasterImage, height: number): RasterImage {
  const c = coeffs(src.height, height);
  const w3 = src.width * 3;
  const out = new Uint8Array(w3 * height);
  for (let y = 0; y < height; y++) {
    const start = c.starts[y]!;
    const base = y * c.ksize;
    for (let x = 0; x < w3; x++) {
      let v = ONE / 2;
      for (let i = 0; i < c.counts[y]!; i++) v += src.data[(start + i) * w3 + x]! * c.weights[base + i]!;
      out[y * w3 + x] = clip8(v);
    }
  }
  return createRasterImage(src.width, height, out);
}

/** PIL's `Image.resize((width, height), Image.BICUBIC)`. */
export function pilBicubicResize(image: RasterImage, width: number, height: number): RasterImage {
  let out = image;
  if (width !== image.width) out = horizontal(out, width);
  if (height !== image.height) out = vertical(out, height);
  return out === image ? createRasterImage(width, height, image.data.slice()) : out;
}

/** Python's round(): halves to even, as torchvision's CenterCrop offsets use it. */
const roundHalfEven = (v: number) => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
};

/** torchvision `Resize(size, BICUBIC)` (shorter side to `size`) then `CenterCrop(size)`, on a PIL image. */
export function resizeShorterBicubicCenterCrop(image: RasterImage, size: number): RasterImage {
  const { width: w, height: h } = image;
  const [nw, nh] = w <= h ? [size, Math.trunc((size * h) / w)] : [Math.trunc((size * w) / h), size];
  const resized = pilBicubicResize(image, nw, nh);
  const top = roundHalfEven((nh - size) / 2);
  const left = roundHalfEven((nw - size) / 2);
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((y + top) * nw + left) * 3;
    out.set(resized.data.subarray(from, from + size * 3), y * size * 3);
  }
  return createRasterImage(size, size, out);
}
