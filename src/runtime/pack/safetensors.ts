/**
 * Minimal safetensors reader/writer (pure TS): 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}`, then raw
 * little-endian tensor bytes. Supports F32 (read and write) and F16 (read).
 */

export interface SafeTensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Parses a safetensors file; F16 tensors are widened to F32. Errors name `source`. */
export function readSafetensors(bytes: Uint8Array, source = 'safetensors'): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail('too short for a safetensors file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) fail(`header length ${headerLen} exceeds the file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    fail('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    return fail('header is not an object');
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const shape = info.shape;
    const offsets = info.data_offsets;
    if (!Array.isArray(shape) || !Array.isArray(offsets) || offsets.length !== 2)
      fail(`bad entry for ${name}`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const width =
      info.dtype === 'F32'
        ? 4
        : info.dtype === 'F16'
          ? 2
          : fail(`${name}: unsupported dtype ${String(info.dtype)}`);
    if (end - begin !== count * width || dataStart + end > bytes.length)
      fail(`${name}: data_offsets do not match its shape`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const at = dataStart + begin + i * width;
      data[i] = width === 4 ? view.getFloat32(at, true) : halfToFloat(view.getUint16(at, true));
    }
    tensors.set(name, { dtype: 'F32', shape: shape as number[], data });
  }
  return { tensors, metadata };
}

/** Writes F32 tensors; keys sorted and the header space-padded to 8 bytes, so output is deterministic. */
export function writeSafetensors(
  tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const size = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    for (const v of tensors.get(name)!.data) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return out;
}
