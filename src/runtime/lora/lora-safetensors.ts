/**
 * A minimal safetensors reader for LoRA files (pure TS, Uint8Array only, Node and browser):
 * 8-byte little-endian header length, a JSON header `{name: {dtype, shape, data_offsets},
 * __metadata__?}` checked with zod, then raw little-endian data. F32, F16, BF16 and F64 tensors
 * are read and widened to Float32Array (LoRA math runs in float64 later anyway).
 */
import { z } from 'zod';
import { LoraFormatError } from './errors';
import { bfloat16ToNumber, halfToNumber } from './float-codec';

export interface LoraTensor {
  shape: number[];
  data: Float32Array;
}

export interface LoraSafetensors {
  tensors: Map<string, LoraTensor>;
  metadata: Record<string, string>;
}

const DTYPE_WIDTH = { F64: 8, F32: 4, F16: 2, BF16: 2 } as const;

const entrySchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

const headerSchema = z.record(z.string(), z.unknown());
const metadataSchema = z.record(z.string(), z.string());

/** Parses safetensors bytes; errors (LoraFormatError) name `source`. */
export function readLoraSafetensors(bytes: Uint8Array, source = 'LoRA safetensors'): LoraSafetensors {
  const fail = (msg: string): never => {
    throw new LoraFormatError(`${source}: ${msg}`);
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
  if (!header.success) return fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, LoraTensor>();
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
    const { dtype, shape, data_offsets: offsets } = parsed.data;
    if (!(dtype in DTYPE_WIDTH)) return fail(`${name}: unsupported dtype ${dtype} (F32, F16, BF16, F64 are)`);
    const width = DTYPE_WIDTH[dtype as keyof typeof DTYPE_WIDTH];
    const [begin, end] = offsets;
    const count = shape.reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLen) fail(`${name}: data_offsets [${begin}, ${end}] lie outside the data`);
    if (end - begin !== count * width)
      fail(`${name}: ${end - begin} bytes for shape [${shape}] of ${dtype} (${count * width} expected)`);
    const data = new Float32Array(count);
    const base = dataStart + begin;
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
    tensors.set(name, { shape: [...shape], data });
  }
  return { tensors, metadata };
}
