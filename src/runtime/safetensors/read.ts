/**
 * A minimal safetensors reader (pure TS, Uint8Array only, Node and browser): 8-byte
 * little-endian header length, a JSON header `{name: {dtype, shape, data_offsets},
 * __metadata__?}` checked with zod, then raw little-endian data. The whole header is
 * checked up front (dtypes, shapes against byte ranges, ranges inside the file); tensor
 * values are decoded on demand, widened to Float32Array, so a caller can look at shapes
 * (and refuse a huge tensor) before allocating anything. F32, F16, BF16 and F64 are read.
 */
import { z } from 'zod';
import { currentLimits, limitNote, type ResourceLimits } from '../../core/limits';
import { bfloat16ToNumber, halfToNumber } from '../lora/float-codec';

/** A file that is not valid safetensors (or uses a dtype this reader does not know). */
export class SafetensorsFormatError extends Error {
  override readonly name = 'SafetensorsFormatError';
}

export type SafetensorsReadDtype = 'F32' | 'F16' | 'BF16' | 'F64';

const DTYPE_WIDTH: Record<SafetensorsReadDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

export interface SafetensorsEntry {
  readonly dtype: SafetensorsReadDtype;
  readonly shape: readonly number[];
  /** Number of values (the product of `shape`; 1 for a scalar). */
  readonly count: number;
  /** The values, widened to float32 (a new array on each call). */
  decode(): Float32Array;
}

export interface SafetensorsFile {
  /** Tensors in header order. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
}

const entrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

const headerSchema = z.record(z.string(), z.unknown());
const metadataSchema = z.record(z.string(), z.string());

function decodeValues(
  view: DataView,
  base: number,
  dtype: SafetensorsReadDtype,
  count: number,
): Float32Array {
  const data = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(base + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(base + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) data[i] = halfToNumber(view.getUint16(base + 2 * i, true));
      break;
    default:
      for (let i = 0; i < count; i++) data[i] = bfloat16ToNumber(view.getUint16(base + 2 * i, true));
  }
  return data;
}

/**
 * Parses safetensors bytes; errors (SafetensorsFormatError) start with `source`. Every tensor's
 * declared shape is checked against its byte range in the file and against `tensor-elements`
 * before anything is decoded.
 */
export function readSafetensors(
  bytes: Uint8Array,
  source = 'safetensors file',
  limits: ResourceLimits = currentLimits(),
): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new SafetensorsFormatError(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail('too short for a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8)
    fail(`header length ${headerLen} exceeds the file (${bytes.length} bytes)`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    fail('header is not JSON');
  }
  const header = headerSchema.safeParse(json);
  if (!header.success || Array.isArray(json)) return fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header.data)) {
    if (name === '__metadata__') {
      const m = metadataSchema.safeParse(raw);
      if (!m.success) fail('__metadata__ must map strings to strings');
      else metadata = m.data;
      continue;
    }
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success)
      return fail(`bad header entry for ${name}: ${parsed.error.issues[0]?.message ?? ''}`);
    const { dtype: rawDtype, shape, data_offsets: offsets } = parsed.data;
    if (!Object.hasOwn(DTYPE_WIDTH, rawDtype))
      return fail(`${name}: unsupported dtype ${rawDtype} (F32, F16, BF16, F64 are)`);
    const dtype = rawDtype as SafetensorsReadDtype;
    const width = DTYPE_WIDTH[dtype];
    const [begin, end] = offsets;
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > limits['tensor-elements'])
      fail(
        `${name}: shape [${shape}] holds ${count} values, more than the ${limits['tensor-elements']} allowed (${limitNote('tensor-elements', limits)})`,
      );
    if (end < begin || end > dataLen) fail(`${name}: data_offsets [${begin}, ${end}] lie outside the data`);
    if (end - begin !== count * width)
      fail(`${name}: ${end - begin} bytes for shape [${shape}] of ${dtype} (${count * width} expected)`);
    const base = dataStart + begin;
    entries.set(name, { dtype, shape, count, decode: () => decodeValues(view, base, dtype, count) });
  }
  return { entries, metadata };
}
