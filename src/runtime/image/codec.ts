/**
 * Image file decoding (PNG, JPEG) to {@link RasterImage} and deterministic PNG encoding with
 * embedded iTXt metadata. Works on `Uint8Array` only, so it runs in Node, browsers and workers.
 */
import { decode as decodeFastPng, encode as encodeFastPng } from 'fast-png';
import { decode as decodeJpegJs } from 'jpeg-js';
import { createRasterImage, type RasterImage } from '../../core/image';
import { hasPngSignature, type ITXtEntry, writePngITXtChunks } from '../../core/png-metadata';

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  readonly fileName: string;
  constructor(fileName: string, message: string, options?: { cause?: unknown }) {
    super(`cannot decode image "${fileName}": ${message}`, options);
    this.fileName = fileName;
  }
}

export type ImageFormat = 'png' | 'jpeg';

/** Recognises PNG and JPEG by their magic bytes; undefined for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (hasPngSignature(bytes)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Largest image we agree to decode (pixels); guards against decompression bombs. */
export const MAX_DECODE_PIXELS = 100 * 1024 * 1024;

/**
 * Decodes a PNG or JPEG (detected by magic bytes, not by `name`) to 8-bit RGB. Alpha is
 * composited over white; 1/2/4/8/16-bit, grayscale, palette and tRNS PNGs are handled.
 * `name` is only used in error messages. Throws {@link ImageDecodeError}.
 */
export function decodeImage(bytes: Uint8Array, name: string): RasterImage {
  const format = sniffImageFormat(bytes);
  if (format === 'png') return decodePngImage(bytes, name);
  if (format === 'jpeg') return decodeJpegImage(bytes, name);
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new ImageDecodeError(
    name,
    bytes.length === 0 ? 'file is empty' : `not a PNG or JPEG file (starts with bytes ${head})`,
  );
}

function decodeJpegImage(bytes: Uint8Array, name: string): RasterImage {
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeJpegJs(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: MAX_DECODE_PIXELS / 1e6,
      maxMemoryUsageInMB: 2048,
    });
  } catch (error) {
    throw new ImageDecodeError(name, `invalid JPEG: ${reason(error)}`, { cause: error });
  }
  if (
    !(decoded.width > 0 && decoded.height > 0) ||
    decoded.data.length !== decoded.width * decoded.height * 3
  ) {
    throw new ImageDecodeError(name, `invalid JPEG: decoded to ${decoded.width}x${decoded.height}`);
  }
  return createRasterImage(decoded.width, decoded.height, decoded.data);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function decodePngImage(bytes: Uint8Array, name: string): RasterImage {
  // IHDR is always the first chunk: 8 signature + 8 header, then width, height, depth, colour
  // type, compression, filter, interlace.
  if (bytes.length >= 33) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const width = view.getUint32(16);
    const height = view.getUint32(20);
    if (width * height > MAX_DECODE_PIXELS) {
      throw new ImageDecodeError(name, `PNG is ${width}x${height}, larger than ${MAX_DECODE_PIXELS} pixels`);
    }
    // fast-png 8 mis-decodes Adam7-interlaced images with fewer than 8 bits per sample.
    if (bytes[24]! < 8 && bytes[28] === 1) {
      throw new ImageDecodeError(name, `interlaced PNGs with bit depth ${bytes[24]} are not supported`);
    }
  }
  let png: ReturnType<typeof decodeFastPng>;
  try {
    png = decodeFastPng(bytes, { checkCrc: true });
  } catch (error) {
    throw new ImageDecodeError(name, `invalid PNG: ${reason(error)}`, { cause: error });
  }
  try {
    return pngToRgb(png);
  } catch (error) {
    throw new ImageDecodeError(name, `invalid PNG: ${reason(error)}`, { cause: error });
  }
}

/** Converts fast-png's output (any colour type / depth) to 8-bit RGB over white. */
function pngToRgb(png: ReturnType<typeof decodeFastPng>): RasterImage {
  const { width, height, depth, channels, palette, transparency } = png;
  const count = width * height;
  const samples = unpackSamples(png.data, width, height, channels, depth);
  const out = createRasterImage(width, height);
  const rgb = out.data;
  const white = 255;

  if (palette) {
    if (channels !== 1) throw new Error(`palette image with ${channels} channels`);
    // fast-png appends the tRNS alpha to each palette entry when present.
    for (let i = 0; i < count; i++) {
      const entry = palette[samples[i]!];
      if (!entry) throw new Error(`palette index ${samples[i]} out of range (${palette.length} entries)`);
      const a = entry[3] ?? 255;
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.round((entry[c]! * a + white * (255 - a)) / 255);
    }
    return out;
  }

  const max = 2 ** depth - 1;
  const hasAlpha = channels === 2 || channels === 4;
  const colour = channels >= 3;
  // tRNS for grayscale / truecolour: one colour key (raw sample values) that is fully transparent.
  const key =
    transparency && transparency.length === (colour ? 3 : 1) && !hasAlpha ? transparency : undefined;
  for (let i = 0; i < count; i++) {
    const p = i * channels;
    const r = samples[p]!;
    const g = colour ? samples[p + 1]! : r;
    const b = colour ? samples[p + 2]! : r;
    let a = hasAlpha ? samples[p + channels - 1]! : max;
    if (key && r === key[0] && (!colour || (g === key[1] && b === key[2]))) a = 0;
    const o = i * 3;
    if (a === max) {
      rgb[o] = to8(r, max);
      rgb[o + 1] = to8(g, max);
      rgb[o + 2] = to8(b, max);
    } else {
      const alpha = a / max;
      const bg = 255 * (1 - alpha);
      rgb[o] = Math.round((r / max) * 255 * alpha + bg);
      rgb[o + 1] = Math.round((g / max) * 255 * alpha + bg);
      rgb[o + 2] = Math.round((b / max) * 255 * alpha + bg);
    }
  }
  return out;
}

function to8(value: number, max: number): number {
  return max === 255 ? value : Math.round((value * 255) / max);
}

/** One sample per array element; sub-byte depths are unpacked from their byte-aligned rows. */
function unpackSamples(
  data: ArrayLike<number>,
  width: number,
  height: number,
  channels: number,
  depth: number,
): ArrayLike<number> {
  const perRow = width * channels;
  if (depth >= 8) {
    if (data.length < perRow * height) throw new Error('pixel data is truncated');
    return data;
  }
  const rowBytes = Math.ceil((perRow * depth) / 8);
  if (data.length < rowBytes * height) throw new Error('pixel data is truncated');
  const out = new Uint8Array(perRow * height);
  const mask = (1 << depth) - 1;
  const perByte = 8 / depth;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < perRow; x++) {
      const byte = data[row + Math.floor(x / perByte)]!;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * perRow + x] = (byte >> shift) & mask;
    }
  }
  return out;
}

export interface PngTextEntry {
  keyword: string;
  text: string;
  /** Store the text zlib-compressed inside the iTXt chunk. Default false. */
  compressed?: boolean;
}

/**
 * Encodes an RGB image as an 8-bit truecolour PNG. Deterministic: the same image and text give
 * the same bytes (fixed zlib level, no timestamps). Text entries become iTXt chunks (UTF-8) placed
 * before IEND, in order.
 */
export function encodePng(image: RasterImage, textChunks: readonly PngTextEntry[] = []): Uint8Array {
  const { width, height, data } = image;
  if (data.length !== width * height * 3) {
    throw new RangeError(`image data has ${data.length} bytes, expected ${width * height * 3}`);
  }
  const png = encodeFastPng({ width, height, data, channels: 3, depth: 8 }, { zlib: { level: 6 } });
  if (textChunks.length === 0) return png;
  const entries: ITXtEntry[] = textChunks.map((t) => ({
    keyword: t.keyword,
    text: t.text,
    compressed: !!t.compressed,
  }));
  return writePngITXtChunks(png, entries);
}
