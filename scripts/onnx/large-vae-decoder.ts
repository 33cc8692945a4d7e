/**
 * A stand-in SD1.5 VAE decoder whose external data file is larger than 2 GiB, written as a
 * sparse file (a hole of zeros, then the real weights in its last few KB), for the real-size
 * tests and bench: `latent_sample [batch_size, 4, h, w] -> sample [batch_size, 3, 8h, 8w]` as
 * a 1x1 Conv 4->3 (weights and bias in `model.onnx_data`, far past 2 GiB), Resize nearest x8
 * and Tanh. The input and output names are the real exporters'.
 */
import { cpSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { GraphBuilder } from '../pack/onnx-builder';

const { onnx } = onnxProto;

/** The default logical size of `model.onnx_data`: 2.25 GiB. */
export const LARGE_DATA_BYTES = 2 * 1024 ** 3 + 256 * 1024 ** 2;
/** Where the weights sit: the last page of the file. */
const TAIL_BYTES = 4096;

/** conv weight [3, 4, 1, 1] and bias [3]: small enough that tanh stays well inside (-1, 1). */
export const DECODER_WEIGHT = Float32Array.from({ length: 12 }, (_, i) => {
  const c = Math.floor(i / 4);
  const k = i % 4;
  return ((((c * 5 + k * 3) % 7) - 3) / 3) * 0.08;
});
export const DECODER_BIAS = Float32Array.of(0.1, -0.15, 0.05);
/** Resize factor of the stand-in decoder (SD1.5's VAE: 8). */
export const DECODER_FACTOR = 8;

function littleEndian(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
}

/**
 * Writes `dir/model.onnx` and the sparse `dir/model.onnx_data` (`dataBytes` long, the weights at
 * its end). Returns the offset of the weights in the data file.
 */
export async function writeLargeVaeDecoder(
  dir: string,
  dataBytes: number = LARGE_DATA_BYTES,
): Promise<{ weightOffset: number }> {
  if (dataBytes % TAIL_BYTES !== 0 || dataBytes < TAIL_BYTES)
    throw new Error(`data size must be a multiple of ${TAIL_BYTES}`);
  const weightOffset = dataBytes - TAIL_BYTES;
  const biasOffset = weightOffset + 64;
  const g = new GraphBuilder('large_vae_decoder');
  const x = g.input({ name: 'latent_sample', dtype: 'float32', shape: ['batch_size', 4, 'height', 'width'] });
  // Placeholders: rewritten below into external-data references.
  const w = g.weight('decoder.conv.weight', [3, 4, 1, 1], new Float32Array(12));
  const b = g.weight('decoder.conv.bias', [3], new Float32Array(3));
  const conv = g.op('Conv', [x, w, b], {});
  const scales = g.constF([1, 1, DECODER_FACTOR, DECODER_FACTOR]);
  const up = g.op('Resize', [conv, '', scales], {
    mode: { kind: 'string', value: 'nearest' },
    coordinate_transformation_mode: { kind: 'string', value: 'asymmetric' },
    nearest_mode: { kind: 'string', value: 'floor' },
  });
  const y = g.op('Tanh', [up]);
  g.output(y, { name: 'sample', dtype: 'float32', shape: ['batch_size', 3, 'height_out', 'width_out'] });

  const model = onnx.ModelProto.decode(g.toBytes('kosmograph real-size test: sparse >2 GiB VAE decoder'));
  const external = new Map([
    [w, { offset: weightOffset, length: 48 }],
    [b, { offset: biasOffset, length: 12 }],
  ]);
  for (const tensor of model.graph?.initializer ?? []) {
    const place = external.get(tensor.name ?? '');
    if (!place) continue;
    tensor.rawData = new Uint8Array(0);
    tensor.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    tensor.externalData = [
      onnx.StringStringEntryProto.create({ key: 'location', value: 'model.onnx_data' }),
      onnx.StringStringEntryProto.create({ key: 'offset', value: String(place.offset) }),
      onnx.StringStringEntryProto.create({ key: 'length', value: String(place.length) }),
    ];
  }
  const handle = await open(join(dir, 'model.onnx'), 'w');
  try {
    await handle.write(onnx.ModelProto.encode(model).finish());
  } finally {
    await handle.close();
  }
  const data = await open(join(dir, 'model.onnx_data'), 'w');
  try {
    await data.truncate(dataBytes);
    await data.write(littleEndian(DECODER_WEIGHT), 0, 48, weightOffset);
    await data.write(littleEndian(DECODER_BIAS), 0, 12, biasOffset);
  } finally {
    await data.close();
  }
  return { weightOffset };
}

/**
 * A checkpoint folder at `dir`: a copy of `fixtureDir` (an optimum-layout SD1.5 folder) with
 * `vae_decoder/` replaced by {@link writeLargeVaeDecoder}'s model (its `config.json` kept).
 */
export async function makeLargeVaeCheckpoint(
  fixtureDir: string,
  dir: string,
  dataBytes: number = LARGE_DATA_BYTES,
): Promise<void> {
  cpSync(fixtureDir, dir, { recursive: true });
  const vae = join(dir, 'vae_decoder');
  rmSync(join(vae, 'model.onnx'), { force: true });
  rmSync(join(vae, 'model.onnx_data'), { force: true });
  await writeLargeVaeDecoder(vae, dataBytes);
}

/**
 * What the stand-in decoder gives for a latent (already divided by the scaling factor): the
 * first batch item, CHW float, computed in float32 steps like the model.
 */
export function expectedDecode(latent: Float32Array, h: number, w: number): Float32Array {
  const f = DECODER_FACTOR;
  const H = h * f;
  const W = w * f;
  const out = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = DECODER_BIAS[c]!;
        for (let k = 0; k < 4; k++)
          acc = Math.fround(acc + Math.fround(DECODER_WEIGHT[c * 4 + k]! * latent[(k * h + y) * w + x]!));
        const v = Math.fround(Math.tanh(acc));
        for (let dy = 0; dy < f; dy++)
          out.fill(v, (c * H + y * f + dy) * W + x * f, (c * H + y * f + dy) * W + x * f + f);
      }
    }
  }
  return out;
}
