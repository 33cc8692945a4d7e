/**
 * Tensors as plain data: what nodes pass around and what crosses worker
 * boundaries (the typed array's buffer is transferable). Backends convert to
 * and from their own ORT Tensor class at the session edge.
 */
export type TensorElementType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';

export interface TensorDataMap {
  float32: Float32Array;
  float16: Uint16Array;
  int64: BigInt64Array;
  int32: Int32Array;
  bool: Uint8Array;
  uint8: Uint8Array;
}

export interface TensorData<T extends TensorElementType = TensorElementType> {
  readonly type: T;
  readonly dims: readonly number[];
  readonly data: TensorDataMap[T];
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): TensorData<'float32'> {
  if (data.length !== elementCount(dims)) {
    throw new RangeError(
      `tensor data has ${data.length} values, dims [${dims.join(', ')}] need ${elementCount(dims)}`,
    );
  }
  return { type: 'float32', dims, data };
}

export function int64Tensor(
  values: readonly number[] | BigInt64Array,
  dims: readonly number[],
): TensorData<'int64'> {
  const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
  if (data.length !== elementCount(dims)) {
    throw new RangeError(
      `tensor data has ${data.length} values, dims [${dims.join(', ')}] need ${elementCount(dims)}`,
    );
  }
  return { type: 'int64', dims, data };
}

export function isFloat32(tensor: TensorData): tensor is TensorData<'float32'> {
  return tensor.type === 'float32';
}

/** The tensor's values as float32 (converting int and float16 types); for reading outputs. */
export function toFloat32(tensor: TensorData): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return Float32Array.from(tensor.data as Uint16Array, halfToFloat);
  if (tensor.type === 'int64') return Float32Array.from(tensor.data as BigInt64Array, (v) => Number(v));
  return Float32Array.from(tensor.data as Int32Array | Uint8Array);
}

/** IEEE 754 half -> single precision. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
