/**
 * Geometric and tensor transforms on {@link RasterImage}: resize, crop, and conversion to/from
 * NCHW float tensors for model input/output. Pure TypeScript, no platform APIs.
 */
import { createRasterImage, type RasterImage } from '../../core/image';

// ---------------------------------------------------------------------------------------------
// Resize

/** For one axis: for each output index, the contributing source indices and their weights. */
interface AxisWeights {
  /** `starts[i]`..`starts[i] + counts[i]` are the taps of output i in `indices`/`weights`. */
  starts: Int32Array;
  counts: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

/**
 * Area averaging when shrinking (each output pixel is the coverage-weighted mean of the source
 * pixels under it), bilinear with half-pixel centres (like PIL / torch `align_corners=False`)
 * when enlarging, identity when equal.
 */
function axisWeights(src: number, dst: number): AxisWeights {
  const starts = new Int32Array(dst);
  const counts = new Int32Array(dst);
  const indices: number[] = [];
  const weights: number[] = [];
  const scale = src / dst;
  for (let i = 0; i < dst; i++) {
    starts[i] = indices.length;
    if (dst < src) {
      const lo = i * scale;
      const hi = (i + 1) * scale;
      for (let s = Math.floor(lo); s < Math.min(src, Math.ceil(hi)); s++) {
        const w = Math.min(hi, s + 1) - Math.max(lo, s);
        if (w > 1e-9) {
          indices.push(s);
          weights.push(w / scale);
        }
      }
    } else if (dst > src) {
      const x = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const x0 = Math.floor(x);
      const x1 = Math.min(src - 1, x0 + 1);
      const f = x - x0;
      indices.push(x0);
      weights.push(1 - f);
      if (f > 0 && x1 !== x0) {
        indices.push(x1);
        weights.push(f);
      }
    } else {
      indices.push(i);
      weights.push(1);
    }
    counts[i] = indices.length - starts[i]!;
  }
  return { starts, counts, indices: Int32Array.from(indices), weights: Float32Array.from(weights) };
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`target size must be positive integers, got ${width}x${height}`);
  }
}

/**
 * Resizes to exactly `width`x`height` (aspect ratio not preserved; see {@link resizeCover}).
 * Each axis independently uses area averaging when shrinking and bilinear when enlarging.
 */
export function resize(image: RasterImage, width: number, height: number): RasterImage {
  checkSize(width, height);
  const { width: sw, height: sh, data } = image;
  if (sw === width && sh === height) return createRasterImage(width, height, data.slice());
  const wx = axisWeights(sw, width);
  const wy = axisWeights(sh, height);
  // Horizontal pass: sh rows x width columns, float.
  const tmp = new Float32Array(sh * width * 3);
  for (let y = 0; y < sh; y++) {
    const row = y * sw * 3;
    for (let x = 0; x < width; x++) {
      const start = wx.starts[x]!;
      const end = start + wx.counts[x]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = start; k < end; k++) {
        const w = wx.weights[k]!;
        const s = row + wx.indices[k]! * 3;
        r += data[s]! * w;
        g += data[s + 1]! * w;
        b += data[s + 2]! * w;
      }
      const o = (y * width + x) * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  // Vertical pass.
  const out = createRasterImage(width, height);
  const od = out.data;
  const rowLen = width * 3;
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    const start = wy.starts[y]!;
    const end = start + wy.counts[y]!;
    for (let k = start; k < end; k++) {
      const w = wy.weights[k]!;
      const s = wy.indices[k]! * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i]! += tmp[s + i]! * w;
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) od[o + i] = clampByte(acc[i]!);
  }
  return out;
}

function clampByte(v: number): number {
  // NaN -> 0; Uint8Array assignment would wrap instead of clamping, so clamp explicitly.
  return v > 0 ? (v < 255 ? Math.round(v) : 255) : 0;
}

// ---------------------------------------------------------------------------------------------
// Crop

/** Copies the `width`x`height` region at (`x`, `y`); the region must lie inside the image. */
export function crop(image: RasterImage, x: number, y: number, width: number, height: number): RasterImage {
  checkSize(width, height);
  if (
    !Number.isInteger(x) ||
    !Number.isInteger(y) ||
    x < 0 ||
    y < 0 ||
    x + width > image.width ||
    y + height > image.height
  ) {
    throw new RangeError(
      `crop ${width}x${height} at (${x}, ${y}) is outside the ${image.width}x${image.height} image`,
    );
  }
  const out = createRasterImage(width, height);
  for (let row = 0; row < height; row++) {
    const s = ((y + row) * image.width + x) * 3;
    out.data.set(image.data.subarray(s, s + width * 3), row * width * 3);
  }
  return out;
}

/**
 * The largest centred region with aspect ratio `aspectWidth : aspectHeight` (e.g. the target
 * size, or 1:1). When the leftover is odd, the extra pixel is dropped from the right/bottom.
 */
export function centerCropToAspect(
  image: RasterImage,
  aspectWidth: number,
  aspectHeight: number,
): RasterImage {
  if (
    !(aspectWidth > 0 && aspectHeight > 0 && Number.isFinite(aspectWidth) && Number.isFinite(aspectHeight))
  ) {
    throw new RangeError(`aspect must be positive, got ${aspectWidth}:${aspectHeight}`);
  }
  const { width, height } = image;
  const target = aspectWidth / aspectHeight;
  let cw = width;
  let ch = height;
  if (width / height > target) cw = Math.min(width, Math.max(1, Math.round(height * target)));
  else ch = Math.min(height, Math.max(1, Math.round(width / target)));
  if (cw === width && ch === height) return createRasterImage(width, height, image.data.slice());
  return crop(image, Math.floor((width - cw) / 2), Math.floor((height - ch) / 2), cw, ch);
}

/** Centre-crops to the target aspect, then resizes to exactly `width`x`height` (CSS "cover"). */
export function resizeCover(image: RasterImage, width: number, height: number): RasterImage {
  checkSize(width, height);
  return resize(centerCropToAspect(image, width, height), width, height);
}

// ---------------------------------------------------------------------------------------------
// Tensors

/** A value range, e.g. `[0, 1]` or `[-1, 1]`: 0 maps to `range[0]`, 255 to `range[1]`. */
export type ValueRange = readonly [number, number];

export type PerChannel = number | readonly [number, number, number];

export interface ChwOptions {
  /** Range that pixel values 0..255 map to first. Default `[0, 1]`. */
  range?: ValueRange;
  /** Then `(x - mean[c]) / std[c]` per channel. Default no normalisation. */
  mean?: PerChannel;
  std?: PerChannel;
}

/** ImageNet statistics, for `toChwFloat(img, { ...IMAGENET_NORMALIZATION })` with range [0, 1]. */
export const IMAGENET_NORMALIZATION = {
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
} as const;

/** CLIP image statistics (range [0, 1]). */
export const CLIP_NORMALIZATION = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
} as const;

function channelValues(v: PerChannel | undefined, fallback: number, what: string): [number, number, number] {
  const arr: readonly number[] =
    v === undefined ? [fallback, fallback, fallback] : typeof v === 'number' ? [v, v, v] : v;
  if (arr.length !== 3 || !arr.every(Number.isFinite))
    throw new RangeError(`${what} must be 3 finite numbers`);
  return [arr[0]!, arr[1]!, arr[2]!];
}

function checkRange(range: ValueRange): void {
  if (!Number.isFinite(range[0]) || !Number.isFinite(range[1]) || range[0] === range[1]) {
    throw new RangeError(`invalid value range [${range[0]}, ${range[1]}]`);
  }
}

/**
 * RGB image to a float32 NCHW tensor of shape [1, 3, height, width]: each byte is mapped
 * linearly from 0..255 to `range`, then normalised with `mean`/`std`.
 */
export function toChwFloat(image: RasterImage, options: ChwOptions = {}): Float32Array {
  const range = options.range ?? [0, 1];
  checkRange(range);
  const mean = channelValues(options.mean, 0, 'mean');
  const std = channelValues(options.std, 1, 'std');
  if (std.some((s) => s === 0)) throw new RangeError('std must not be 0');
  const { width, height, data } = image;
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  const span = (range[1] - range[0]) / 255;
  for (let c = 0; c < 3; c++) {
    // Fold range mapping and normalisation into one multiply-add.
    const a = span / std[c]!;
    const b = (range[0] - mean[c]!) / std[c]!;
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = data[i * 3 + c]! * a + b;
  }
  return out;
}

/**
 * Float NCHW tensor (batch item `batchIndex`, 3 channels) back to an RGB image: `range[0]` maps
 * to 0 and `range[1]` to 255, clamped and rounded; NaN becomes 0.
 */
export function fromChwFloat(
  data: ArrayLike<number>,
  width: number,
  height: number,
  range: ValueRange = [0, 1],
  batchIndex = 0,
): RasterImage {
  checkSize(width, height);
  checkRange(range);
  const plane = width * height;
  const offset = batchIndex * plane * 3;
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || data.length < offset + plane * 3) {
    throw new RangeError(
      `tensor has ${data.length} values, too few for batch item ${batchIndex} of 3x${height}x${width}`,
    );
  }
  const out = createRasterImage(width, height);
  const scale = 255 / (range[1] - range[0]);
  for (let c = 0; c < 3; c++) {
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out.data[i * 3 + c] = clampByte((data[base + i]! - range[0]) * scale);
  }
  return out;
}
