import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  initializer,
  matmul,
  readInitializer,
  seq,
  tensorOf,
  transpose,
  writeSafetensors,
} from '../../../test/fixtures/lora/tiny';
import { halfToNumber, numberToHalf } from './float-codec';
import { parseLoraSafetensors } from './lora-keys';
import { LoraMergeError, mergeLora, resolveLoraTargets } from './merge-lora';

const { onnx } = onnxProto;

const TO_Q = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q';
const KOHYA_TO_Q = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q';

const W = seq(12, 1); // [4, 3] as stored for MatMul (x @ W)
const DOWN = seq(8, 2); // [2 rank, 4 in]
const UP = seq(6, 3); // [3 out, 2 rank]

/** x [1,4] -> MatMul(x, W [4,3]) -> y [1,3]; W anonymous as torch.onnx exports it, node named by module path. */
function matmulModel(opts: { dtype?: 'float32' | 'float16'; storage?: 'raw' | 'field' } = {}): Uint8Array {
  const dtype = opts.dtype ?? 'float32';
  const nodes = [];
  let weight = 'onnx::MatMul_42';
  if (dtype === 'float16') {
    nodes.push({
      opType: 'Cast',
      name: '/cast',
      input: ['onnx::MatMul_42'],
      output: ['w32'],
      attribute: [to32],
    });
    weight = 'w32';
  }
  nodes.push({
    opType: 'MatMul',
    name: `/${TO_Q.replace(/\./g, '/')}/MatMul`,
    input: ['x', weight],
    output: ['y'],
  });
  return buildModel({
    inputs: [{ name: 'x', dims: [1, 4] }],
    outputs: [{ name: 'y', dims: [1, 3] }],
    nodes,
    initializers: [
      initializer({
        name: 'onnx::MatMul_42',
        dims: [4, 3],
        values: W,
        dtype,
        storage: opts.storage ?? 'raw',
      }),
    ],
  });
}
const to32 = { name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 };

function kohyaLora(extra: Record<string, { shape: number[]; data: number[] }> = {}): Uint8Array {
  return writeSafetensors({
    [`${KOHYA_TO_Q}.lora_down.weight`]: { shape: [2, 4], data: DOWN },
    [`${KOHYA_TO_Q}.lora_up.weight`]: { shape: [3, 2], data: UP },
    [`${KOHYA_TO_Q}.alpha`]: { shape: [], data: [1] },
    ...extra,
  });
}

async function run(
  model: Uint8Array,
  feeds: Record<string, { dims: number[]; data: number[] }>,
): Promise<number[]> {
  const session = await ort.InferenceSession.create(model);
  try {
    const input: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds))
      input[k] = new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
    const out = await session.run(input);
    return [...(out[session.outputNames[0]!]!.data as Float32Array)];
  } finally {
    await session.release();
  }
}

function expectClose(got: readonly number[], want: readonly number[], tol = 1e-6): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol);
}

describe('mergeLora: MatMul weight stored transposed [in, out]', () => {
  const X = [0.5, -1, 2, 0.25];

  it('merges kohya keys by node-name heuristic and changes the output accordingly', async () => {
    const base = matmulModel();
    const lora = parseLoraSafetensors(
      kohyaLora({
        'lora_unet_up_blocks_9_nothing.lora_down.weight': { shape: [1, 4], data: [1, 1, 1, 1] },
        'lora_unet_up_blocks_9_nothing.lora_up.weight': { shape: [3, 1], data: [1, 1, 1] },
        'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': { shape: [1, 4], data: [1, 1, 1, 1] },
        'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight': { shape: [3, 1], data: [1, 1, 1] },
      }),
    );
    const s = 0.5;
    const res = mergeLora(base, lora, s);
    expect(res.matched).toEqual([KOHYA_TO_Q]);
    expect(res.targets).toEqual({ [KOHYA_TO_Q]: 'onnx::MatMul_42' });
    expect(res.unmatched).toEqual(['lora_unet_up_blocks_9_nothing']);
    expect(res.skipped).toEqual(['lora_te_text_model_encoder_layers_0_mlp_fc1']);
    expect(res.reasons.lora_te_text_model_encoder_layers_0_mlp_fc1).toMatch(/text encoder/);

    // W' = W + s * (alpha / rank) * (up @ down)^T, alpha 1, rank 2.
    const deltaT = transpose(matmul(UP, DOWN, 3, 2, 4), 3, 4).map((d) => s * (1 / 2) * d);
    const merged = readInitializer(res.model, 'onnx::MatMul_42');
    expect(merged.dims).toEqual([4, 3]);
    expect(merged.values).toEqual(W.map((w, i) => Math.fround(w + deltaT[i]!)));

    const y0 = await run(base, { x: { dims: [1, 4], data: X } });
    const y1 = await run(res.model, { x: { dims: [1, 4], data: X } });
    expectClose(y0, matmul(X, W, 1, 4, 3), 1e-5);
    const dy = matmul(X, deltaT, 1, 4, 3);
    expectClose(
      y1.map((v, i) => v - y0[i]!),
      dy,
      1e-5,
    );
    expect(dy.some((v) => Math.abs(v) > 0.01)).toBe(true);
  });

  it('merges PEFT keys (lora_A / lora_B, alpha defaulting to rank) to the same weights as kohya with alpha = rank', () => {
    const peft = writeSafetensors({
      [`base_model.model.${TO_Q}.lora_A.weight`]: { shape: [2, 4], data: DOWN },
      [`base_model.model.${TO_Q}.lora_B.weight`]: { shape: [3, 2], data: UP },
    });
    const kohya = writeSafetensors({
      [`${KOHYA_TO_Q}.lora_down.weight`]: { shape: [2, 4], data: DOWN },
      [`${KOHYA_TO_Q}.lora_up.weight`]: { shape: [3, 2], data: UP },
      [`${KOHYA_TO_Q}.alpha`]: { shape: [], data: [2] },
    });
    const a = mergeLora(matmulModel(), parseLoraSafetensors(peft), 0.5);
    const b = mergeLora(matmulModel(), parseLoraSafetensors(kohya), 0.5);
    expect(a.matched).toEqual([`base_model.model.${TO_Q}`]);
    const delta = transpose(matmul(UP, DOWN, 3, 2, 4), 3, 4).map((d) => 0.5 * d);
    expect(readInitializer(a.model, 'onnx::MatMul_42').values).toEqual(
      W.map((w, i) => Math.fround(w + delta[i]!)),
    );
    expect(a.model).toEqual(b.model);
  });

  it('strength 0 returns the identical bytes', () => {
    const base = matmulModel();
    const res = mergeLora(base, parseLoraSafetensors(kohyaLora()), 0);
    expect(res.model).toBe(base);
    expect(res.matched).toEqual([]);
  });

  it('merging at -s after +s restores the weights (float32, to rounding)', () => {
    const lora = parseLoraSafetensors(kohyaLora());
    const there = mergeLora(matmulModel(), lora, 0.8).model;
    const back = mergeLora(there, lora, -0.8).model;
    expectClose(readInitializer(back, 'onnx::MatMul_42').values, W, 1e-6);
  });

  it('keeps everything but the merged initializer unchanged', () => {
    const base = matmulModel();
    const copy = base.slice();
    const res = mergeLora(base, parseLoraSafetensors(kohyaLora()), 1);
    expect(base).toEqual(copy); // the input is never written to
    const strip = (bytes: Uint8Array) => {
      const m = onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { bytes: String });
      for (const t of m.graph.initializer) delete t.rawData;
      return m;
    };
    expect(strip(res.model)).toEqual(strip(base));
    expect(res.model).not.toEqual(base);
  });

  it('handles float_data storage', () => {
    const res = mergeLora(matmulModel({ storage: 'field' }), parseLoraSafetensors(kohyaLora()), 0.5);
    const delta = transpose(matmul(UP, DOWN, 3, 2, 4), 3, 4).map((d) => 0.25 * d);
    const t = tensorOf(res.model, 'onnx::MatMul_42');
    expect(t.rawData.length).toBe(0);
    expect(t.floatData).toEqual(W.map((w, i) => Math.fround(w + delta[i]!)));
  });
});

describe('mergeLora: float16 initializers', () => {
  const X = [1, 2, -0.5, 0.75];
  for (const storage of ['raw', 'field'] as const) {
    it(`rounds W + delta once to float16 (${storage === 'raw' ? 'raw_data' : 'int32_data'}) and runs`, async () => {
      const base = matmulModel({ dtype: 'float16', storage });
      const res = mergeLora(base, parseLoraSafetensors(kohyaLora()), 0.5);
      // The weight reaches the MatMul through a Cast: its layout is still read from the graph.
      expect(res.matched).toEqual([KOHYA_TO_Q]);
      const delta = transpose(matmul(UP, DOWN, 3, 2, 4), 3, 4).map((d) => 0.25 * d);
      const want = W.map((w, i) => halfToNumber(numberToHalf(halfToNumber(numberToHalf(w)) + delta[i]!)));
      const merged = readInitializer(res.model, 'onnx::MatMul_42');
      expect(merged.values).toEqual(want);
      const t = tensorOf(res.model, 'onnx::MatMul_42');
      expect(t.dataType).toBe(10);
      expect(storage === 'raw' ? t.rawData.length : t.int32Data.length).toBe(storage === 'raw' ? 24 : 12);
      const y = await run(res.model, { x: { dims: [1, 4], data: X } });
      expectClose(y, matmul(X, want, 1, 4, 3), 1e-5);
      // Strength 0 with fp16 is still the identical model.
      expect(mergeLora(base, parseLoraSafetensors(kohyaLora()), 0).model).toBe(base);
    });
  }
});

describe('mergeLora: layouts from the graph', () => {
  it('transposes a square MatMul B weight, resolved through a manifest key map', () => {
    const w = seq(9, 7);
    const down = seq(3, 8); // [1, 3]
    const up = seq(3, 9); // [3, 1]
    const model = buildModel({
      inputs: [{ name: 'x', dims: [1, 3] }],
      outputs: [{ name: 'y', dims: [1, 3] }],
      nodes: [{ opType: 'MatMul', name: 'mm', input: ['x', 'w_sq'], output: ['y'] }],
      initializers: [initializer({ name: 'w_sq', dims: [3, 3], values: w })],
    });
    const lora = parseLoraSafetensors(
      writeSafetensors({
        'lora_unet_square.lora_down.weight': { shape: [1, 3], data: down },
        'lora_unet_square.lora_up.weight': { shape: [3, 1], data: up },
      }),
    );
    expect(() => mergeLora(model, lora, 1)).toThrow(LoraMergeError); // no name to match without the map
    const res = mergeLora(model, lora, 1, { keyMap: { lora_unet_square: 'w_sq' } });
    const deltaT = transpose(matmul(up, down, 3, 1, 3), 3, 3);
    expect(readInitializer(res.model, 'w_sq').values).toEqual(w.map((v, i) => Math.fround(v + deltaT[i]!)));
  });

  it('keeps [out, in] for a MatMul A weight (the reference pack palette) via a Map key map', async () => {
    const palette = seq(12, 11); // [4 colours, 3]
    const m = seq(6, 12); // [3, 2]
    const model = buildModel({
      inputs: [],
      outputs: [{ name: 'y', dims: [4, 2] }],
      nodes: [{ opType: 'MatMul', name: 'pal', input: ['palette.weight', 'm'], output: ['y'] }],
      initializers: [
        initializer({ name: 'palette.weight', dims: [4, 3], values: palette }),
        initializer({ name: 'm', dims: [3, 2], values: m }),
      ],
    });
    const down = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const up = palette.map((c) => (1 - c) / 2);
    const lora = parseLoraSafetensors(
      writeSafetensors({
        'lora_unet_palette.lora_down.weight': { shape: [3, 3], data: down },
        'lora_unet_palette.lora_up.weight': { shape: [4, 3], data: up },
        'lora_unet_palette.alpha': { shape: [], data: [3] },
      }),
    );
    const res = mergeLora(model, lora, 0.5, { keyMap: new Map([['lora_unet_palette', 'palette.weight']]) });
    const want = palette.map((c) => Math.fround(c + 0.5 * ((1 - c) / 2)));
    expect(readInitializer(res.model, 'palette.weight').values).toEqual(want);
    expectClose(await run(res.model, {}), matmul(want, m, 4, 3, 2), 1e-5);
  });

  it('follows a Transpose between a square [out, in] initializer and its MatMul', async () => {
    const w = seq(9, 41); // [3 out, 3 in]
    const down = seq(6, 42); // [2, 3]
    const up = seq(6, 43); // [3, 2]
    const model = buildModel({
      inputs: [{ name: 'x', dims: [1, 3] }],
      outputs: [{ name: 'y', dims: [1, 3] }],
      nodes: [
        { opType: 'Transpose', name: 't', input: ['proj.weight'], output: ['wt'] },
        { opType: 'MatMul', name: '/proj/MatMul', input: ['x', 'wt'], output: ['y'] },
      ],
      initializers: [initializer({ name: 'proj.weight', dims: [3, 3], values: w })],
    });
    const lora = parseLoraSafetensors(
      writeSafetensors({
        'lora_unet_proj.lora_down.weight': { shape: [2, 3], data: down },
        'lora_unet_proj.lora_up.weight': { shape: [3, 2], data: up },
      }),
    );
    const res = mergeLora(model, lora, 1);
    expect(res.targets).toEqual({ lora_unet_proj: 'proj.weight' });
    const want = matmul(up, down, 3, 2, 3).map((d, i) => Math.fround(w[i]! + d));
    expect(readInitializer(res.model, 'proj.weight').values).toEqual(want);
    const x = [1, 2, 3];
    expectClose(
      await run(res.model, { x: { dims: [1, 3], data: x } }),
      matmul(x, transpose(want, 3, 3), 1, 3, 3),
      1e-5,
    );
  });

  it('merges a Gemm (transB = 1, [out, in]) weight with diffusers lora.down / lora.up keys', async () => {
    const name = 'mid_block.attentions.0.proj_out';
    const w = seq(12, 21); // [3 out, 4 in]
    const down = seq(8, 22);
    const up = seq(6, 23);
    const model = buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }],
      outputs: [{ name: 'y', dims: [1, 3] }],
      nodes: [
        {
          opType: 'Gemm',
          name: 'gemm0',
          input: ['x', `${name}.weight`, `${name}.bias`],
          output: ['y'],
          attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
        },
      ],
      initializers: [
        initializer({ name: `${name}.weight`, dims: [3, 4], values: w }),
        initializer({ name: `${name}.bias`, dims: [3], values: [0.1, 0.2, 0.3] }),
      ],
    });
    const lora = parseLoraSafetensors(
      writeSafetensors({
        [`unet.${name}.lora.down.weight`]: { shape: [2, 4], data: down },
        [`unet.${name}.lora.up.weight`]: { shape: [3, 2], data: up },
        [`unet.${name}.alpha`]: { shape: [], data: [1] },
      }),
    );
    const res = mergeLora(model, lora, 0.5);
    expect(res.targets).toEqual({ [`unet.${name}`]: `${name}.weight` });
    const delta = matmul(up, down, 3, 2, 4).map((d) => 0.25 * d);
    const want = w.map((v, i) => Math.fround(v + delta[i]!));
    expect(readInitializer(res.model, `${name}.weight`).values).toEqual(want);
    const x = [1, -1, 0.5, 2];
    const y = await run(res.model, { x: { dims: [1, 4], data: x } });
    expectClose(
      y,
      matmul(x, transpose(want, 3, 4), 1, 4, 3).map((v, i) => v + [0.1, 0.2, 0.3][i]!),
      1e-5,
    );
  });

  it('merges a 1x1 Conv weight [out, in, 1, 1] with 4-D kohya tensors', async () => {
    const name = 'down_blocks.0.attentions.0.proj_in';
    const w = seq(12, 31); // [3, 4, 1, 1]
    const down = seq(8, 32); // [2, 4, 1, 1]
    const up = seq(6, 33); // [3, 2, 1, 1]
    const model = buildModel({
      inputs: [{ name: 'x', dims: [1, 4, 2, 2] }],
      outputs: [{ name: 'y', dims: [1, 3, 2, 2] }],
      nodes: [
        {
          opType: 'Conv',
          name: `/${name.replace(/\./g, '/')}/Conv`,
          input: ['x', 'onnx::Conv_9'],
          output: ['y'],
        },
      ],
      initializers: [initializer({ name: 'onnx::Conv_9', dims: [3, 4, 1, 1], values: w })],
    });
    const kohya = 'lora_unet_down_blocks_0_attentions_0_proj_in';
    const lora = parseLoraSafetensors(
      writeSafetensors({
        [`${kohya}.lora_down.weight`]: { shape: [2, 4, 1, 1], data: down },
        [`${kohya}.lora_up.weight`]: { shape: [3, 2, 1, 1], data: up },
        [`${kohya}.alpha`]: { shape: [], data: [4] },
      }),
    );
    const res = mergeLora(model, lora, 0.5);
    expect(res.targets).toEqual({ [kohya]: 'onnx::Conv_9' });
    const delta = matmul(up, down, 3, 2, 4).map((d) => 0.5 * (4 / 2) * d);
    const want = w.map((v, i) => Math.fround(v + delta[i]!));
    const merged = readInitializer(res.model, 'onnx::Conv_9');
    expect(merged.dims).toEqual([3, 4, 1, 1]);
    expect(merged.values).toEqual(want);
    const x = seq(16, 34); // [1, 4, 2, 2]
    const y = await run(res.model, { x: { dims: [1, 4, 2, 2], data: x } });
    // 1x1 conv: y[o, p] = sum_c W[o, c] x[c, p]
    expectClose(y, matmul(want, x, 3, 4, 4), 1e-5);
  });
});

describe('mergeLora: errors and reports', () => {
  it('throws LoraMergeError listing unmatched modules when nothing matches', () => {
    const lora = parseLoraSafetensors(
      writeSafetensors({
        'lora_unet_nowhere_a.lora_down.weight': { shape: [1, 4], data: [1, 1, 1, 1] },
        'lora_unet_nowhere_a.lora_up.weight': { shape: [3, 1], data: [1, 1, 1] },
        'lora_unet_nowhere_b.lora_down.weight': { shape: [1, 4], data: [1, 1, 1, 1] },
        'lora_unet_nowhere_b.lora_up.weight': { shape: [3, 1], data: [1, 1, 1] },
      }),
    );
    let err: unknown;
    try {
      mergeLora(matmulModel(), lora, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoraMergeError);
    expect((err as Error).message).toMatch(/0 of 2 U-Net modules matched/);
    expect((err as Error).message).toMatch(/lora_unet_nowhere_a/);
    expect((err as Error).message).toMatch(/lora_unet_nowhere_b/);
  });

  it('throws naming the module and both shapes on a shape mismatch', () => {
    const lora = parseLoraSafetensors(
      writeSafetensors({
        [`${KOHYA_TO_Q}.lora_down.weight`]: { shape: [2, 5], data: seq(10, 1) },
        [`${KOHYA_TO_Q}.lora_up.weight`]: { shape: [3, 2], data: UP },
      }),
    );
    expect(() => mergeLora(matmulModel(), lora, 1)).toThrow(
      `LoRA module ${KOHYA_TO_Q}: shape mismatch: delta up [3, 2] @ down [2, 5] is [3, 5] but the U-Net's initializer onnx::MatMul_42 is [4, 3] used as [in, out]`,
    );
  });

  it('reports initializers in external data as skipped (unsupported) and does not merge them', () => {
    const model = onnx.ModelProto.decode(matmulModel());
    const t = model.graph!.initializer![0]!;
    t.rawData = new Uint8Array(0);
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: '0' },
    ];
    const bytes = onnx.ModelProto.encode(model).finish();
    const lora = parseLoraSafetensors(kohyaLora());
    const report = resolveLoraTargets(bytes, lora);
    expect(report.skipped).toEqual([KOHYA_TO_Q]);
    expect(report.reasons[KOHYA_TO_Q]).toMatch(/external data/);
    expect(() => mergeLora(bytes, lora, 1)).toThrow(/external data/);
  });

  it('rejects a non-finite strength', () => {
    expect(() => mergeLora(matmulModel(), parseLoraSafetensors(kohyaLora()), Number.NaN)).toThrow(
      LoraMergeError,
    );
  });

  it('resolveLoraTargets reports without changing anything', () => {
    const r = resolveLoraTargets(matmulModel(), parseLoraSafetensors(kohyaLora()));
    expect(r.matched).toEqual([KOHYA_TO_Q]);
    expect(r.targets[KOHYA_TO_Q]).toBe('onnx::MatMul_42');
  });
});
