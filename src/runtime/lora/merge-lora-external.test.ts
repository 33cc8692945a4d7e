import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseLoraTensors } from './lora-keys';
import { externalLoraTargets, mergeLora } from './merge-lora';

const { onnx } = onnxProto;
const UNET = 'test/fixtures/sd15/optimum/unet';
const MODULE = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q';
const RANK = 2;

function readRange(file: string, offset: number, length: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const out = new Uint8Array(length);
    readSync(fd, out, 0, length, offset);
    return out;
  } finally {
    closeSync(fd);
  }
}

const floats = (bytes: Uint8Array) =>
  new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

describe('LoRA on a torch-exported U-Net whose weights are in external data', () => {
  const model = new Uint8Array(readFileSync(join(UNET, 'model.onnx')));
  const width = 8; // block_out_channels[0] of the tiny SD1.5 U-Net: to_q is [8, 8]
  const down = Float32Array.from({ length: RANK * width }, (_, i) => Math.sin(i + 1) / 4);
  const up = Float32Array.from({ length: width * RANK }, (_, i) => Math.cos(i + 2) / 4);
  const lora = parseLoraTensors(
    new Map([
      [`${MODULE}.lora_down.weight`, { shape: [RANK, width], data: down }],
      [`${MODULE}.lora_up.weight`, { shape: [width, RANK], data: up }],
      [`${MODULE}.alpha`, { shape: [], data: Float32Array.of(RANK) }],
    ]),
  );

  it('reads only the changed tensor, stores it inline and keeps every other weight external', async () => {
    const refs = externalLoraTargets(model, lora);
    expect(refs).toHaveLength(1);
    const ref = refs[0]!;
    expect(ref.location).toBe('model.onnx_data');
    expect(ref.length).toBe(width * width * 4);
    const original = readRange(join(UNET, ref.location), ref.offset, ref.length);
    const strength = 0.75;
    const merged = mergeLora(model, lora, strength, {
      externalBytes: new Map([[ref.initializer, original]]),
    });
    expect(merged.matched).toEqual([MODULE]);

    const decoded = onnx.ModelProto.decode(merged.model);
    const inits = decoded.graph!.initializer!;
    const changed = inits.find((t) => t.name === ref.initializer)!;
    expect(changed.externalData ?? []).toHaveLength(0);
    const external = inits.filter((t) => (t.externalData?.length ?? 0) > 0);
    expect(external.length).toBe(
      inits.filter((t) => t.name !== ref.initializer && (t.dims?.length ?? 0) > 0).length,
    );
    // The exporter stores the Linear weight transposed ([in, out] for MatMul): W'[i][o] = W[i][o] + s * (up @ down)[o][i].
    const before = floats(original);
    const after = floats(changed.rawData as Uint8Array);
    let maxErr = 0;
    for (let i = 0; i < width; i++)
      for (let o = 0; o < width; o++) {
        let delta = 0;
        for (let r = 0; r < RANK; r++) delta += up[o * RANK + r]! * down[r * width + i]!;
        maxErr = Math.max(
          maxErr,
          Math.abs(after[i * width + o]! - (before[i * width + o]! + strength * delta)),
        );
      }
    expect(maxErr).toBeLessThan(1e-6);

    // The merged graph loads from bytes with its other weights read from the original folder.
    const session = await ort.InferenceSession.create(merged.model, {
      extra: { session: { model_external_initializers_file_folder_path: UNET } },
    });
    const feeds = {
      sample: new ort.Tensor('float32', new Float32Array(2 * 4 * 8 * 8).fill(0.1), [2, 4, 8, 8]),
      timestep: new ort.Tensor('int64', BigInt64Array.of(500n, 500n), [2]),
      encoder_hidden_states: new ort.Tensor('float32', new Float32Array(2 * 77 * 32).fill(0.2), [2, 77, 32]),
    };
    const out = (await session.run(feeds)).out_sample!.data as Float32Array;
    const base = await ort.InferenceSession.create(join(UNET, 'model.onnx'));
    const plain = (await base.run(feeds)).out_sample!.data as Float32Array;
    expect(out.some((v, i) => Math.abs(v - plain[i]!) > 1e-6)).toBe(true);
    await session.release();
    await base.release();
  });
});
