/**
 * A copy of the tiny SD1.5 checkpoint whose U-Net carries large extra weights in external data,
 * for the LoRA peak-memory benchmark (bench/lora-memory.ts): the fixture's U-Net unchanged, plus
 * `blocks` square MatMul weights (`width` x `width` float32, 64 MiB each at 4096) stored the way
 * torch.onnx stores Linear weights: anonymous `onnx::MatMul_N` initializers in `model.onnx_data`,
 * used as MatMul B ([in, out]) by nodes whose names carry the module path
 * (`/down_blocks.0/attentions.1/transformer_blocks.7/attn1/to_q/MatMul`). The extra branch reads a
 * value derived from `sample`, so ONNX Runtime cannot fold it away, and adds 1e-20 of its mean to
 * `out_sample`, so the images stay the fixture's.
 */
import { cpSync, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface WideUnetOptions {
  /** How many extra weights (default 16). */
  readonly blocks?: number;
  /** Side of each square weight (default 4096: 64 MiB of float32). */
  readonly width?: number;
}

/** The module path (dotted) of extra block `i`; kohya names it `lora_unet_` + the path with `_`. */
export function wideModulePath(i: number): string {
  return wideModuleParts(i).join('.');
}

/** torch.onnx names a module's node by its path with `/` between modules: `/down_blocks.0/attentions.1/.../MatMul`. */
function wideNodeName(i: number): string {
  return `/${wideModuleParts(i)
    .reduce<string[]>((out, part) => {
      if (/^\d+$/.test(part)) out[out.length - 1] += `.${part}`;
      else out.push(part);
      return out;
    }, [])
    .join('/')}/MatMul`;
}

function wideModuleParts(i: number): string[] {
  return [
    'down_blocks',
    String(i % 4),
    'attentions',
    String(Math.floor(i / 4)),
    'transformer_blocks',
    '7',
    'attn1',
    'to_q',
  ];
}

const ALIGN = 4096;

/** Deterministic small weights, one block of `count` floats (a cheap LCG: only the size matters). */
function weightBlock(count: number, seed: number): Uint8Array {
  const data = new Float32Array(count);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = ((s >>> 8) / 16777216 - 0.5) * 0.02;
  }
  return new Uint8Array(data.buffer);
}

function externalRef(tensor: OnnxTypes.ITensorProto, location: string, offset: number, length: number): void {
  tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  tensor.externalData = [
    onnx.StringStringEntryProto.create({ key: 'location', value: location }),
    onnx.StringStringEntryProto.create({ key: 'offset', value: String(offset) }),
    onnx.StringStringEntryProto.create({ key: 'length', value: String(length) }),
  ];
}

function constant(name: string, dims: number[], dataType: number, raw: Uint8Array): OnnxTypes.ITensorProto {
  return { name, dims, dataType, rawData: raw };
}

/**
 * Copies the optimum-layout checkpoint `from` to `to` with the wide U-Net. Returns the bytes of one
 * extra weight (what a LoRA on one module changes).
 */
export async function writeWideUnetCheckpoint(
  from: string,
  to: string,
  options: WideUnetOptions = {},
): Promise<{ weightBytes: number; dataBytes: number }> {
  const blocks = options.blocks ?? 16;
  const width = options.width ?? 4096;
  cpSync(from, to, { recursive: true });
  const unetDir = join(to, 'unet');
  const model = onnx.ModelProto.decode(readFileSync(join(unetDir, 'model.onnx')));
  const graph = model.graph!;
  const nodes = graph.node!;
  const inits = graph.initializer!;
  // The original U-Net now writes `out_sample_core`; the extra branch adds to it.
  for (const node of nodes)
    node.output = (node.output ?? []).map((o) => (o === 'out_sample' ? 'out_sample_core' : o));

  const dataPath = join(unetDir, 'model.onnx_data');
  let offset = readFileSync(dataPath).byteLength;
  const stream = createWriteStream(dataPath, { flags: 'a' });
  const write = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) => stream.write(bytes, (e) => (e ? reject(e) : resolve())));
  const pad = ALIGN - (offset % ALIGN);
  if (pad < ALIGN) {
    await write(new Uint8Array(pad));
    offset += pad;
  }
  const weightBytes = width * width * 4;
  const i64 = (values: number[]) => new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);
  const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
  inits.push(
    constant('wide_shape_1_1', [2], onnx.TensorProto.DataType.INT64, i64([1, 1])),
    constant('wide_shape_1_w', [2], onnx.TensorProto.DataType.INT64, i64([1, width])),
    constant('wide_epsilon', [1], onnx.TensorProto.DataType.FLOAT, f32([1e-20])),
  );
  nodes.push(
    { name: '/wide/ReduceMean', opType: 'ReduceMean', input: ['sample'], output: ['wide_mean'] },
    {
      name: '/wide/Reshape',
      opType: 'Reshape',
      input: ['wide_mean', 'wide_shape_1_1'],
      output: ['wide_scalar'],
    },
    { name: '/wide/Expand', opType: 'Expand', input: ['wide_scalar', 'wide_shape_1_w'], output: ['wide_x'] },
  );
  const means: string[] = [];
  for (let i = 0; i < blocks; i++) {
    const weight = `onnx::MatMul_wide_${i}`;
    const tensor: OnnxTypes.ITensorProto = {
      name: weight,
      dims: [width, width],
      dataType: onnx.TensorProto.DataType.FLOAT,
    };
    externalRef(tensor, 'model.onnx_data', offset, weightBytes);
    inits.push(tensor);
    await write(weightBlock(width * width, i + 1));
    offset += weightBytes;
    nodes.push(
      { name: wideNodeName(i), opType: 'MatMul', input: ['wide_x', weight], output: [`wide_y_${i}`] },
      {
        name: `/wide/ReduceMean_${i}`,
        opType: 'ReduceMean',
        input: [`wide_y_${i}`],
        output: [`wide_m_${i}`],
      },
    );
    means.push(`wide_m_${i}`);
  }
  await new Promise<void>((resolve, reject) => stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  nodes.push(
    { name: '/wide/Sum', opType: 'Sum', input: means, output: ['wide_sum'] },
    { name: '/wide/Mul', opType: 'Mul', input: ['wide_sum', 'wide_epsilon'], output: ['wide_tiny'] },
    { name: '/wide/Add', opType: 'Add', input: ['out_sample_core', 'wide_tiny'], output: ['out_sample'] },
  );
  writeFileSync(join(unetDir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
  return { weightBytes, dataBytes: offset };
}
