/**
 * Canny edge detection (for ControlNet-style "canny" conditioning images).
 *
 * Written here because there is no maintained pure-JS Canny implementation that runs in both
 * Node and browsers/workers without native code, WASM OpenCV builds or canvas.
 *
 * Semantics follow OpenCV's `cv2.Canny`, which ComfyUI's ControlNet preprocessors call: the
 * thresholds are compared against the Sobel 3x3 gradient magnitude of the 0-255 grayscale image
 * (L1 norm |gx| + |gy| by default, as OpenCV; L2 with `l2Gradient`), so the usual
 * `low = 100, high = 200` behave alike. Unlike `cv2.Canny`, a Gaussian blur is applied first
 * (sigma 1, 5x5 kernel by default, like kornia's canny); pass `blurSigma: 0` to disable it.
 */
import { createRasterImage, type RasterImage } from '../../core/image';

export interface CannyOptions {
  /** Hysteresis low threshold (OpenCV scale: Sobel magnitude on 0-255 values). */
  lowThreshold: number;
  /** Hysteresis high threshold. If lower than `lowThreshold` the two are swapped, as OpenCV does. */
  highThreshold: number;
  /** Gaussian blur sigma in pixels before the gradient; 0 disables. Default 1. */
  blurSigma?: number;
  /** Use sqrt(gx^2 + gy^2) instead of |gx| + |gy|. Default false (OpenCV's default). */
  l2Gradient?: boolean;
}

/** ITU-R BT.601 luma, as OpenCV's RGB2GRAY. */
export function toGrayscale(image: RasterImage): Float32Array {
  const { width, height, data } = image;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    out[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
  }
  return out;
}

/** Separable Gaussian blur with replicated borders. Radius ceil(2 sigma) (5 taps at sigma 1). */
export function gaussianBlur(gray: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return gray.slice();
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const v = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = v;
    sum += v;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= sum;
  const tmp = new Float32Array(gray.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k < 0 ? 0 : x + k >= width ? width - 1 : x + k;
        acc += gray[row + xx]! * kernel[k + radius]!;
      }
      tmp[row + x] = acc;
    }
  }
  const out = new Float32Array(gray.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k < 0 ? 0 : y + k >= height ? height - 1 : y + k;
        acc += tmp[yy * width + x]! * kernel[k + radius]!;
      }
      out[y * width + x] = acc;
    }
  }
  return out;
}

/**
 * Edge map: white (255) edge pixels on black, same size as the input.
 */
export function canny(image: RasterImage, options: CannyOptions): RasterImage {
  const { width, height } = image;
  let low = options.lowThreshold;
  let high = options.highThreshold;
  if (!Number.isFinite(low) || !Number.isFinite(high) || low < 0 || high < 0) {
    throw new RangeError(`canny thresholds must be non-negative numbers, got ${low}, ${high}`);
  }
  if (low > high) [low, high] = [high, low];
  const sigma = options.blurSigma ?? 1;
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new RangeError(`blurSigma must be >= 0, got ${sigma}`);

  const gray = gaussianBlur(toGrayscale(image), width, height, sigma);

  // Sobel 3x3 with replicated borders.
  const n = width * height;
  const gx = new Float32Array(n);
  const gy = new Float32Array(n);
  const mag = new Float32Array(n);
  const l2 = options.l2Gradient ?? false;
  for (let y = 0; y < height; y++) {
    const ym = (y > 0 ? y - 1 : 0) * width;
    const y0 = y * width;
    const yp = (y < height - 1 ? y + 1 : y) * width;
    for (let x = 0; x < width; x++) {
      const xm = x > 0 ? x - 1 : 0;
      const xp = x < width - 1 ? x + 1 : x;
      const a = gray[ym + xm]!;
      const b = gray[ym + x]!;
      const c = gray[ym + xp]!;
      const d = gray[y0 + xm]!;
      const f = gray[y0 + xp]!;
      const g = gray[yp + xm]!;
      const h = gray[yp + x]!;
      const k = gray[yp + xp]!;
      const sx = c + 2 * f + k - (a + 2 * d + g);
      const sy = g + 2 * h + k - (a + 2 * b + c);
      const i = y0 + x;
      gx[i] = sx;
      gy[i] = sy;
      mag[i] = l2 ? Math.sqrt(sx * sx + sy * sy) : Math.abs(sx) + Math.abs(sy);
    }
  }

  // Non-maximum suppression along the quantised gradient direction, with OpenCV's asymmetric
  // comparison (strictly greater than one neighbour, >= the other) so plateaus yield 1-px lines.
  // Out-of-image neighbours count as 0. Pixels failing `low` are skipped outright.
  // state: 0 = not an edge candidate, 1 = candidate (low < m, local max), 2 = edge.
  const state = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  const at = (x: number, y: number) =>
    x < 0 || y < 0 || x >= width || y >= height ? 0 : mag[y * width + x]!;
  const tan22 = Math.tan(Math.PI / 8);
  const tan67 = Math.tan((3 * Math.PI) / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const m = mag[i]!;
      if (!(m > low)) continue;
      const ax = Math.abs(gx[i]!);
      const ay = Math.abs(gy[i]!);
      let before: number;
      let after: number;
      if (ay <= ax * tan22) {
        // Horizontal gradient: compare left / right.
        before = at(x - 1, y);
        after = at(x + 1, y);
      } else if (ay > ax * tan67) {
        // Vertical gradient: compare up / down.
        before = at(x, y - 1);
        after = at(x, y + 1);
      } else if (gx[i]! * gy[i]! > 0) {
        // Diagonal "\" (y grows downward): up-left / down-right.
        before = at(x - 1, y - 1);
        after = at(x + 1, y + 1);
      } else {
        before = at(x + 1, y - 1);
        after = at(x - 1, y + 1);
      }
      if (m > before && m >= after) {
        if (m > high) {
          state[i] = 2;
          stack[top++] = i;
        } else {
          state[i] = 1;
        }
      }
    }
  }

  // Hysteresis: grow edges from strong pixels through 8-connected candidates.
  while (top > 0) {
    const i = stack[--top]!;
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= width) continue;
        const j = yy * width + xx;
        if (state[j] === 1) {
          state[j] = 2;
          stack[top++] = j;
        }
      }
    }
  }

  const out = createRasterImage(width, height);
  for (let i = 0; i < n; i++) {
    if (state[i] === 2) out.data.fill(255, i * 3, i * 3 + 3);
  }
  return out;
}
