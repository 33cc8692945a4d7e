/**
 * PNG text metadata (tEXt / zTXt / iTXt) reading and iTXt writing.
 *
 * Pure and environment-neutral: works on `Uint8Array` only (no Buffer, fs, zlib or DOM), so the
 * same code runs in Node, the browser and workers. Graphs are embedded in generated PNGs as an
 * iTXt chunk; this module is how they get in and out.
 *
 * Chunk layout (PNG spec, ISO/IEC 15948 §5.3): 4-byte big-endian length, 4-byte type, data,
 * 4-byte CRC-32 over type + data.
 */
import { Unzlib, zlibSync } from 'fflate';
import { currentLimits, LIMIT_DEFAULTS, limitNote, type ResourceLimits } from './limits';

export class PngMetadataError extends Error {
  override name = 'PngMetadataError';
}

/** One decoded text entry, in file order. */
export interface PngTextChunk {
  keyword: string;
  text: string;
}

export type PngTextChunkType = 'tEXt' | 'zTXt' | 'iTXt';

/** A text entry together with where it came from; what {@link readPngTextChunksDetailed} returns. */
export interface PngTextChunkInfo extends PngTextChunk {
  type: PngTextChunkType;
  /** iTXt only: whether the text was zlib-compressed. zTXt is always compressed, tEXt never. */
  compressed: boolean;
  /** iTXt only (empty otherwise). */
  languageTag: string;
  /** iTXt only (empty otherwise). */
  translatedKeyword: string;
}

/** A raw chunk as located in the file. */
export interface PngChunk {
  type: string;
  /** Offset of the chunk's length field in the file. */
  offset: number;
  /** Length of the data field. */
  length: number;
  /** The data field (a view into the input, not a copy). */
  data: Uint8Array;
}

export interface WriteITXtOptions {
  /** zlib-compress the UTF-8 text (compression flag 1). Default false, which most tools read. */
  compressed?: boolean;
  languageTag?: string;
  translatedKeyword?: string;
}

export interface ITXtEntry extends PngTextChunk, WriteITXtOptions {}

export const PNG_SIGNATURE: Uint8Array = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Default upper bound on one decompressed text entry (limit `png-chunk-bytes`). */
export const MAX_INFLATED_TEXT_BYTES: number = LIMIT_DEFAULTS['png-chunk-bytes'];

/**
 * What the compressed chunks of one PNG may still inflate to: `png-chunk-bytes` per chunk and
 * `png-total-bytes` for the whole file (160 chunks of 63 MiB each pass a per-chunk cap).
 * Counted while inflating, so a bomb stops at the limit, not after it has expanded.
 */
export interface InflateBudget {
  readonly limits: ResourceLimits;
  /** Bytes all chunks of this file have inflated to so far. */
  total: number;
}

export function inflateBudget(limits: ResourceLimits = currentLimits()): InflateBudget {
  return { limits, total: 0 };
}

const MAX_CHUNK_LENGTH = 0x7fffffff;

// ---------------------------------------------------------------------------------------------
// CRC-32 (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected), as used by PNG.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`, continuing from `crc` (pass the previous result to chain). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Chunk parsing

function readU32(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

function isChunkTypeByte(b: number): boolean {
  return (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
}

export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < PNG_SIGNATURE.length) return false;
  for (let i = 0; i < PNG_SIGNATURE.length; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

/**
 * Splits a PNG into its chunks, from the signature up to and including IEND, verifying the
 * signature, every chunk's bounds and type, and every CRC. Bytes after IEND are ignored.
 */
export function readPngChunks(bytes: Uint8Array): PngChunk[] {
  if (!hasPngSignature(bytes)) {
    throw new PngMetadataError(
      bytes.length < PNG_SIGNATURE.length && bytes.length > 0 && isSignaturePrefix(bytes)
        ? `truncated PNG: file is ${bytes.length} bytes, shorter than the 8-byte signature`
        : 'not a PNG file (bad signature)',
    );
  }
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  for (;;) {
    if (offset + 8 > bytes.length) {
      throw new PngMetadataError(
        offset === bytes.length
          ? `truncated PNG: no IEND chunk (file ends after ${chunks.length} chunks at byte ${offset})`
          : `truncated PNG: incomplete chunk header at byte ${offset}`,
      );
    }
    const length = readU32(bytes, offset);
    const typeBytes = bytes.subarray(offset + 4, offset + 8);
    if (!typeBytes.every(isChunkTypeByte)) {
      const hex = Array.from(typeBytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
      throw new PngMetadataError(`corrupt PNG: invalid chunk type bytes [${hex}] at byte ${offset}`);
    }
    const type = String.fromCharCode(...typeBytes);
    if (length > MAX_CHUNK_LENGTH) {
      throw new PngMetadataError(`corrupt PNG: ${type} chunk at byte ${offset} has invalid length ${length}`);
    }
    const end = offset + 12 + length;
    if (end > bytes.length) {
      throw new PngMetadataError(
        `truncated PNG: ${type} chunk at byte ${offset} needs ${12 + length} bytes, only ${bytes.length - offset} left`,
      );
    }
    const stored = readU32(bytes, offset + 8 + length);
    const actual = crc32(bytes.subarray(offset + 4, offset + 8 + length));
    if (stored !== actual) {
      throw new PngMetadataError(
        `corrupt PNG: bad CRC in ${type} chunk at byte ${offset} (stored 0x${hex32(stored)}, computed 0x${hex32(actual)})`,
      );
    }
    if (chunks.length === 0 && type !== 'IHDR') {
      throw new PngMetadataError(`corrupt PNG: first chunk is ${type}, expected IHDR`);
    }
    chunks.push({ type, offset, length, data: bytes.subarray(offset + 8, offset + 8 + length) });
    offset = end;
    if (type === 'IEND') return chunks;
  }
}

function isSignaturePrefix(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------
// Text decoding

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** ISO 8859-1 (not windows-1252, which is what TextDecoder('latin1') really decodes). */
function decodeLatin1(bytes: Uint8Array): string {
  let out = '';
  const step = 8192;
  for (let i = 0; i < bytes.length; i += step) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + step)));
  }
  return out;
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new PngMetadataError(`corrupt PNG: ${what} is not valid UTF-8`);
  }
}

/**
 * Inflates one zlib stream within `budget`, calling `keep` with each piece (or dropping the
 * pieces when only the count matters). Throws PngMetadataError naming `what` and the limit.
 */
export function inflateWithin(
  data: Uint8Array,
  what: string,
  budget: InflateBudget,
  perChunk: number = budget.limits['png-chunk-bytes'],
  keep?: (piece: Uint8Array) => void,
): number {
  const { limits } = budget;
  let size = 0;
  const stream = new Unzlib((piece) => {
    size += piece.length;
    budget.total += piece.length;
    if (size > perChunk) {
      throw new PngMetadataError(
        perChunk === limits['png-chunk-bytes']
          ? `${what} inflates to more than ${perChunk} bytes (${limitNote('png-chunk-bytes', limits)})`
          : `${what} inflates to more than the ${perChunk} bytes its header allows`,
      );
    }
    if (budget.total > limits['png-total-bytes']) {
      throw new PngMetadataError(
        `the compressed chunks of this PNG inflate to more than ${limits['png-total-bytes']} bytes in total (${limitNote('png-total-bytes', limits)})`,
      );
    }
    keep?.(piece);
  });
  try {
    // Fed in slices so the caps are checked before a small bomb expands fully (deflate's ratio is
    // at most about 1032:1, so one slice inflates to at most ~16 MiB).
    const slice = 16 * 1024;
    if (data.length === 0) stream.push(data, true);
    for (let i = 0; i < data.length; i += slice) {
      stream.push(data.subarray(i, i + slice), i + slice >= data.length);
    }
  } catch (error) {
    if (error instanceof PngMetadataError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PngMetadataError(`corrupt PNG: cannot decompress ${what}: ${reason}`);
  }
  return size;
}

function inflate(data: Uint8Array, what: string, budget: InflateBudget): Uint8Array {
  const parts: Uint8Array[] = [];
  const total = inflateWithin(data, what, budget, undefined, (piece) => parts.push(piece));
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function findNul(data: Uint8Array, from: number, type: string, field: string): number {
  const at = data.indexOf(0, from);
  if (at < 0) throw new PngMetadataError(`corrupt PNG: ${type} chunk has no terminator after ${field}`);
  return at;
}

function readKeyword(data: Uint8Array, type: string): { keyword: string; next: number } {
  const end = findNul(data, 0, type, 'keyword');
  if (end === 0 || end > 79) {
    throw new PngMetadataError(`corrupt PNG: ${type} chunk has a keyword of ${end} bytes (must be 1-79)`);
  }
  return { keyword: decodeLatin1(data.subarray(0, end)), next: end + 1 };
}

function decodeTextChunk(chunk: PngChunk, budget: InflateBudget): PngTextChunkInfo {
  const { data } = chunk;
  const type = chunk.type as PngTextChunkType;
  const { keyword, next } = readKeyword(data, type);
  const base = { keyword, type, compressed: false, languageTag: '', translatedKeyword: '' };
  if (type === 'tEXt') {
    return { ...base, text: decodeLatin1(data.subarray(next)) };
  }
  if (type === 'zTXt') {
    if (next >= data.length) throw new PngMetadataError('corrupt PNG: zTXt chunk has no compression method');
    if (data[next] !== 0) {
      throw new PngMetadataError(
        `corrupt PNG: zTXt "${keyword}" uses unknown compression method ${data[next]}`,
      );
    }
    const text = decodeLatin1(inflate(data.subarray(next + 1), `zTXt "${keyword}"`, budget));
    return { ...base, compressed: true, text };
  }
  // iTXt: keyword\0 flag method language\0 translated\0 text
  if (next + 2 > data.length) throw new PngMetadataError(`corrupt PNG: iTXt "${keyword}" is truncated`);
  const flag = data[next]!;
  const method = data[next + 1]!;
  if (flag > 1) throw new PngMetadataError(`corrupt PNG: iTXt "${keyword}" has compression flag ${flag}`);
  if (flag === 1 && method !== 0) {
    throw new PngMetadataError(`corrupt PNG: iTXt "${keyword}" uses unknown compression method ${method}`);
  }
  const langEnd = findNul(data, next + 2, 'iTXt', 'language tag');
  const transEnd = findNul(data, langEnd + 1, 'iTXt', 'translated keyword');
  const languageTag = decodeLatin1(data.subarray(next + 2, langEnd));
  const translatedKeyword = decodeUtf8(
    data.subarray(langEnd + 1, transEnd),
    `iTXt "${keyword}" translated keyword`,
  );
  const raw = data.subarray(transEnd + 1);
  const bytes = flag === 1 ? inflate(raw, `iTXt "${keyword}"`, budget) : raw;
  const text = decodeUtf8(bytes, `iTXt "${keyword}" text`);
  return { ...base, compressed: flag === 1, languageTag, translatedKeyword, text };
}

function isTextType(type: string): type is PngTextChunkType {
  return type === 'tEXt' || type === 'zTXt' || type === 'iTXt';
}

/**
 * All tEXt, zTXt and iTXt entries of a PNG, in file order, with their chunk details. Compressed
 * entries inflate within `limits` (`png-chunk-bytes` each, `png-total-bytes` together).
 */
export function readPngTextChunksDetailed(
  bytes: Uint8Array,
  limits: ResourceLimits = currentLimits(),
): PngTextChunkInfo[] {
  const budget = inflateBudget(limits);
  return readPngChunks(bytes)
    .filter((c) => isTextType(c.type))
    .map((c) => decodeTextChunk(c, budget));
}

/** All tEXt, zTXt and iTXt entries of a PNG as `{keyword, text}`, in file order. */
export function readPngTextChunks(bytes: Uint8Array, limits?: ResourceLimits): PngTextChunk[] {
  return readPngTextChunksDetailed(bytes, limits).map(({ keyword, text }) => ({ keyword, text }));
}

/** The text of the first entry (any text chunk type) with `keyword`, or undefined. */
export function getPngText(bytes: Uint8Array, keyword: string): string | undefined {
  return readPngTextChunks(bytes).find((c) => c.keyword === keyword)?.text;
}

// ---------------------------------------------------------------------------------------------
// Writing

function validateKeyword(keyword: string): Uint8Array {
  if (keyword.length < 1 || keyword.length > 79) {
    throw new PngMetadataError(
      `PNG text keyword must be 1-79 characters, got ${keyword.length}: "${keyword}"`,
    );
  }
  const out = new Uint8Array(keyword.length);
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword.charCodeAt(i);
    if (!((c >= 32 && c <= 126) || (c >= 161 && c <= 255))) {
      throw new PngMetadataError(`PNG text keyword "${keyword}" has a character outside printable Latin-1`);
    }
    out[i] = c;
  }
  if (keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) {
    throw new PngMetadataError(`PNG text keyword "${keyword}" has leading, trailing or repeated spaces`);
  }
  return out;
}

function validateLanguageTag(tag: string): Uint8Array {
  if (!/^[A-Za-z0-9-]*$/.test(tag)) {
    throw new PngMetadataError(`iTXt language tag "${tag}" must be ASCII letters, digits and hyphens`);
  }
  return utf8Encoder.encode(tag);
}

/** Builds a complete iTXt chunk (length, type, data, CRC). */
export function buildITXtChunk(entry: ITXtEntry): Uint8Array {
  const keyword = validateKeyword(entry.keyword);
  const language = validateLanguageTag(entry.languageTag ?? '');
  const translated = utf8Encoder.encode(entry.translatedKeyword ?? '');
  if (translated.includes(0)) throw new PngMetadataError('iTXt translated keyword must not contain NUL');
  const utf8 = utf8Encoder.encode(entry.text);
  const body = entry.compressed ? zlibSync(utf8, { level: 9 }) : utf8;
  const length = keyword.length + 1 + 2 + language.length + 1 + translated.length + 1 + body.length;
  if (length > MAX_CHUNK_LENGTH)
    throw new PngMetadataError(`iTXt "${entry.keyword}" is too large for a chunk`);
  const chunk = new Uint8Array(12 + length);
  writeU32(chunk, 0, length);
  chunk.set([0x69, 0x54, 0x58, 0x74], 4); // "iTXt"
  let at = 8;
  chunk.set(keyword, at);
  at += keyword.length + 1; // NUL already zero
  chunk[at++] = entry.compressed ? 1 : 0;
  chunk[at++] = 0; // compression method: zlib
  chunk.set(language, at);
  at += language.length + 1;
  chunk.set(translated, at);
  at += translated.length + 1;
  chunk.set(body, at);
  writeU32(chunk, 8 + length, crc32(chunk.subarray(4, 8 + length)));
  return chunk;
}

function iTXtKeyword(chunk: PngChunk): string | undefined {
  const end = chunk.data.indexOf(0);
  return end < 0 ? undefined : decodeLatin1(chunk.data.subarray(0, end));
}

/**
 * Writes iTXt chunks: every existing iTXt chunk whose keyword is among the entries' keywords is
 * removed, and the new chunks are inserted, in the given order, right before IEND. Every other
 * byte of the file (other chunks, tEXt/zTXt with the same keyword, data after IEND) is kept
 * identical. Throws {@link PngMetadataError} on a malformed PNG or an invalid keyword.
 */
export function writePngITXtChunks(bytes: Uint8Array, entries: readonly ITXtEntry[]): Uint8Array {
  const chunks = readPngChunks(bytes);
  const built = entries.map(buildITXtChunk);
  const keywords = new Set(entries.map((e) => e.keyword));
  const removed = chunks.filter((c) => c.type === 'iTXt' && keywords.has(iTXtKeyword(c) ?? '\u0000'));
  const iend = chunks[chunks.length - 1]!;
  const removedBytes = removed.reduce((sum, c) => sum + 12 + c.length, 0);
  const addedBytes = built.reduce((sum, c) => sum + c.length, 0);
  const out = new Uint8Array(bytes.length - removedBytes + addedBytes);
  let src = 0;
  let dst = 0;
  const copyUpTo = (end: number) => {
    out.set(bytes.subarray(src, end), dst);
    dst += end - src;
    src = end;
  };
  for (const chunk of removed) {
    copyUpTo(chunk.offset);
    src = chunk.offset + 12 + chunk.length;
  }
  copyUpTo(iend.offset);
  for (const chunk of built) {
    out.set(chunk, dst);
    dst += chunk.length;
  }
  copyUpTo(bytes.length);
  return out;
}

/** Writes or replaces the iTXt chunk `keyword` (see {@link writePngITXtChunks}). */
export function writePngITXt(
  bytes: Uint8Array,
  keyword: string,
  text: string,
  options: WriteITXtOptions = {},
): Uint8Array {
  return writePngITXtChunks(bytes, [{ ...options, keyword, text }]);
}
