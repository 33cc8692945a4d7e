/**
 * A tiny ONNX graph builder over onnx-proto (protobufjs). Enough to write the reference pack's
 * closed-form graphs: named inputs/outputs with symbolic dims, raw-data initializers, nodes
 * with typed attributes. Output bytes are deterministic for the same calls in the same order.
 */

import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const OPSET = 17;
export const IR_VERSION = 8;

export const DT = { float32: 1, uint8: 2, int64: 7, bool: 9 } as const;
export type DTypeName = keyof typeof DT;

/** Dims: numbers are fixed sizes, strings are symbolic (dim_param). `null` leaves the shape out. */
export type Dims = readonly (number | string)[] | null;

export interface ValueSpec {
  name: string;
  dtype: DTypeName;
  shape: Dims;
}

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };

export const int = (value: number): Attr => ({ kind: 'int', value });
export const ints = (value: readonly number[]): Attr => ({ kind: 'ints', value });
export const float = (value: number): Attr => ({ kind: 'float', value });

function toAttribute(name: string, attr: Attr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (attr.kind) {
    case 'int':
      return { name, type: T.INT, i: attr.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...attr.value] };
    case 'float':
      return { name, type: T.FLOAT, f: attr.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(attr.value) };
  }
}

function valueInfo(spec: ValueSpec): OnnxTypes.IValueInfoProto {
  const tensorType: OnnxTypes.TypeProto.ITensor = { elemType: DT[spec.dtype] };
  if (spec.shape !== null) {
    tensorType.shape = {
      dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
    };
  }
  return { name: spec.name, type: { tensorType } };
}

function bytesOf(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  // Initializer raw data is little-endian; write it explicitly so the bytes never depend on the host.
  const out = new Uint8Array(data.length * data.BYTES_PER_ELEMENT);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array)
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  else if (data instanceof BigInt64Array)
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i]!, true);
  else out.set(data);
  return out;
}

export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(private readonly graphName: string) {}

  private fresh(hint: string): string {
    let name: string;
    do {
      this.counter += 1;
      name = `${hint}_${this.counter}`;
    } while (this.names.has(name));
    return name;
  }

  input(spec: ValueSpec): string {
    this.names.add(spec.name);
    this.inputs.push(valueInfo(spec));
    return spec.name;
  }

  /** Declares `value` (an existing tensor name) as graph output `spec.name` via Identity. */
  output(value: string, spec: ValueSpec): void {
    this.names.add(spec.name);
    this.nodes.push({ opType: 'Identity', input: [value], output: [spec.name], name: `out_${spec.name}` });
    this.outputs.push(valueInfo(spec));
  }

  /** A named initializer (a weight a LoRA or a user may address by name). */
  weight(name: string, dims: readonly number[], data: Float32Array | BigInt64Array | Uint8Array): string {
    if (this.names.has(name)) throw new Error(`duplicate tensor name ${name}`);
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    this.names.add(name);
    const dataType =
      data instanceof Float32Array ? DT.float32 : data instanceof BigInt64Array ? DT.int64 : DT.uint8;
    this.initializers.push({ name, dims: [...dims], dataType, rawData: bytesOf(data) });
    return name;
  }

  constF(values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    return this.weight(this.fresh('c'), dims, Float32Array.from(values));
  }

  constI64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.weight(this.fresh('i'), dims, BigInt64Array.from(values.map((v) => BigInt(v))));
  }

  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.opMulti(opType, inputs, 1, attrs)[0]!;
  }

  opMulti(
    opType: string,
    inputs: readonly string[],
    nOut: number,
    attrs: Record<string, Attr> = {},
  ): string[] {
    const outputs = Array.from({ length: nOut }, () => {
      const name = this.fresh(opType.toLowerCase());
      this.names.add(name);
      return name;
    });
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outputs,
      name: `${opType}_${outputs[0]}`,
      attribute: Object.entries(attrs).map(([k, v]) => toAttribute(k, v)),
    });
    return outputs;
  }

  // Small helpers for the ops used everywhere.
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  matmul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  reshape(x: string, shape: readonly number[]): string {
    return this.op('Reshape', [x, this.constI64(shape)]);
  }
  scale(x: string, k: number): string {
    return this.mul(x, this.constF([k], []));
  }
  clip(x: string, lo: number, hi: number): string {
    return this.op('Clip', [x, this.constF([lo], []), this.constF([hi], [])]);
  }
  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    return this.op('ReduceSum', [x, this.constI64(axes)], { keepdims: int(keepdims ? 1 : 0) });
  }
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.op('Unsqueeze', [x, this.constI64(axes)]);
  }
  /** x[..., start:end] on the last axis. */
  sliceLast(x: string, start: number, end: number): string {
    return this.op('Slice', [x, this.constI64([start]), this.constI64([end]), this.constI64([-1])]);
  }

  toBytes(docString: string): Uint8Array {
    const model: OnnxTypes.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'kosmograph-pack-generator',
      producerVersion: '1',
      docString,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
