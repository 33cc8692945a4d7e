/**
 * Image file decoding (PNG, JPEG) to {@link RasterImage} and deterministic PNG encoding with
 * embedded iTXt metadata. Works on `Uint8Array` only, so it runs in Node, browsers and workers.
 */
import { decode as decodeFastPng, encode as encodeFastPng } from 'fast-png';
import { decode as decodeJpegJs } from 'jpeg-js';
import { createRasterImage, type RasterImage } from '../../core/image';
import { currentLimits, limitNote, type ResourceLimits } from '../../core/limits';
import {
  hasPngSignature,
  type ITXtEntry,
  inflateBudget,
  inflateWithin,
  PngMetadataError,
  readPngChunks,
  writePngITXtChunks,
} from '../../core/png-metadata';

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

/**
 * Decodes a PNG or JPEG (detected by magic bytes, not by `name`) to 8-bit RGB. Alpha is
 * composited over white; 1/2/4/8/16-bit, grayscale, palette and tRNS PNGs are handled.
 * `name` is only used in error messages. Throws {@link ImageDecodeError}.
 *
 * Budgets (`limits`, see src/core/limits.ts) are enforced before the decoders allocate: the
 * pixel count from the PNG IHDR or the JPEG SOF header (`image-pixels`), the PNG's image data
 * inflating to no more than its header implies, and its compressed ancillary chunks (iCCP)
 * within `png-chunk-bytes` / `png-total-bytes`.
 */
export function decodeImage(
  bytes: Uint8Array,
  name: string,
  limits: ResourceLimits = currentLimits(),
): RasterImage {
  const format = sniffImageFormat(bytes);
  if (format === 'png') return decodePngImage(bytes, name, limits);
  if (format === 'jpeg') return decodeJpegImage(bytes, name, limits);
  // The message never quotes the file's bytes: a graph could name any file and have them shown.
  throw new ImageDecodeError(
    name,
    bytes.length === 0 ? 'file is empty' : `not a PNG or JPEG file (${bytes.length} bytes)`,
  );
}

function tooManyPixels(name: string, what: string, width: number, height: number, limits: ResourceLimits) {
  return new ImageDecodeError(
    name,
    `${what} is ${width}x${height} (${width * height} pixels), more than the ${limits['image-pixels']} allowed (${limitNote('image-pixels', limits)})`,
  );
}

/** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC): the frame headers that carry the size. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * The frame size a JPEG declares, read from its SOF segment by walking the marker segments
 * before the first scan; undefined where there is none (jpeg-js then says what is wrong).
 * Our own dozen lines: jpeg-js only checks its resolution cap after parsing the whole file.
 */
export function jpegFrameSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // no length field
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (isStartOfFrame(marker)) {
      if (at + 9 > bytes.length) return undefined;
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      return { width, height };
    }
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

function decodeJpegImage(bytes: Uint8Array, name: string, limits: ResourceLimits): RasterImage {
  const frame = jpegFrameSize(bytes);
  if (frame && frame.width * frame.height > limits['image-pixels']) {
    throw tooManyPixels(name, 'JPEG', frame.width, frame.height, limits);
  }
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeJpegJs(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      // jpeg-js's own caps as a second line (e.g. a frame height given later by a DNL marker):
      // about 8 bytes per pixel covers its component buffers and the RGB output.
      maxResolutionInMP: limits['image-pixels'] / 1e6,
      maxMemoryUsageInMB: Math.ceil((limits['image-pixels'] * 8) / (1024 * 1024)) + 64,
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

const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes of a PNG's filtered image data for its header: (1 filter byte + a row) per row, per pass. */
function pngImageDataBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) =>
    w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  if (!interlaced) return rows(width, height);
  // Adam7: the seven passes' starting column/row and steps.
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  }
  return total;
}

/**
 * Checks a PNG against the budgets before fast-png allocates anything: structure and CRCs, the
 * pixel count from IHDR, the image data (IDAT) inflating to no more than the header implies
 * (counted while inflating, nothing kept), and iCCP (which fast-png inflates) within the chunk
 * budgets. The image data is inflated twice (here and by fast-png); for the sizes we decode that
 * costs far less than a 2 GiB allocation a 2 MB file could otherwise cause.
 */
function checkPngBudgets(bytes: Uint8Array, name: string, limits: ResourceLimits): void {
  let chunks: ReturnType<typeof readPngChunks>;
  try {
    chunks = readPngChunks(bytes);
  } catch (error) {
    if (error instanceof PngMetadataError) throw new ImageDecodeError(name, `invalid PNG: ${error.message}`);
    throw error;
  }
  const ihdr = chunks[0]!.data;
  if (ihdr.length < 13) throw new ImageDecodeError(name, 'invalid PNG: IHDR is shorter than 13 bytes');
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const depth = ihdr[8]!;
  const colourType = ihdr[9]!;
  const interlaced = ihdr[12] === 1;
  if (width * height > limits['image-pixels']) throw tooManyPixels(name, 'PNG', width, height, limits);
  // fast-png 8 mis-decodes Adam7-interlaced images with fewer than 8 bits per sample.
  if (depth < 8 && interlaced) {
    throw new ImageDecodeError(name, `interlaced PNGs with bit depth ${depth} are not supported`);
  }
  const channels = PNG_CHANNELS[colourType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth)) {
    throw new ImageDecodeError(name, `invalid PNG: colour type ${colourType} with bit depth ${depth}`);
  }
  const expected = pngImageDataBytes(width, height, channels * depth, interlaced);
  const budget = inflateBudget(limits);
  try {
    for (const chunk of chunks) {
      if (chunk.type === 'iCCP') {
        const nul = chunk.data.indexOf(0);
        if (nul > 0 && nul + 2 <= chunk.data.length) {
          inflateWithin(chunk.data.subarray(nul + 2), 'iCCP colour profile', budget);
        }
      }
    }
    const idat = chunks.filter((c) => c.type === 'IDAT');
    const joined = new Uint8Array(idat.reduce((sum, c) => sum + c.length, 0));
    let at = 0;
    for (const c of idat) {
      joined.set(c.data, at);
      at += c.length;
    }
    // Image data is bounded by the header (and so by image-pixels), not by the text budget.
    inflateWithin(
      joined,
      'image data (IDAT)',
      { limits: { ...limits, 'png-total-bytes': Infinity }, total: 0 },
      expected,
    );
  } catch (error) {
    if (error instanceof PngMetadataError) throw new ImageDecodeError(name, error.message);
    throw error;
  }
}

function decodePngImage(bytes: Uint8Array, name: string, limits: ResourceLimits): RasterImage {
  checkPngBudgets(bytes, name, limits);
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
