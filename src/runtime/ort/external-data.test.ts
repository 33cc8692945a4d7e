import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { chooseNodeBackend } from '../node/node-backends';
import type { ModelSource } from './model-session';
import { float32Tensor } from './tensor-data';

const { onnx } = onnxProto;

/** y = x @ W with W [2,2] stored as ONNX external data in `weights.bin`. */
function modelWithExternalWeights(): { model: Uint8Array; weights: Uint8Array } {
  const weights = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
  const w = onnx.TensorProto.create({
    name: 'W',
    dims: [2, 2],
    dataType: 1,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: '0' },
      { key: 'length', value: '16' },
    ],
  });
  const io = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }] } } },
    });
  const graph = onnx.GraphProto.create({
    name: 'external',
    node: [onnx.NodeProto.create({ opType: 'MatMul', input: ['x', 'W'], output: ['y'] })],
    initializer: [w],
    input: [io('x')],
    output: [io('y')],
  });
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph });
  return { model: onnx.ModelProto.encode(model).finish(), weights };
}

describe('ONNX external data', () => {
  const { model, weights } = modelWithExternalWeights();
  const dir = mkdtempSync(join(tmpdir(), 'kosmograph-external-'));
  writeFileSync(join(dir, 'model.onnx'), model);
  writeFileSync(join(dir, 'weights.bin'), weights);
  const source: ModelSource = {
    bytes: model,
    externalData: [{ path: 'weights.bin', data: weights }],
    filePath: join(dir, 'model.onnx'),
  };

  it.each(['cpu', 'wasm'] as const)('loads and runs on the %s backend', async (choice) => {
    const { backend } = await chooseNodeBackend(choice);
    const session = await backend.createSession(source, 'external');
    const out = await session.run({ x: float32Tensor(Float32Array.of(1, 1), [1, 2]) });
    expect(Array.from(out.y?.data as Float32Array)).toEqual([4, 6]);
    await session.release();
  });

  it('fails with the model named when the weights are missing', async () => {
    const { backend } = await chooseNodeBackend('wasm');
    await expect(backend.createSession({ bytes: model }, 'big unet')).rejects.toThrow(/cannot load big unet/);
  });
});
