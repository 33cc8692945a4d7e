import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { matmul, readInitializer, seq, transpose, writeSafetensors } from '../../../test/fixtures/lora/tiny';
import { parseLoraSafetensors, parseLoraTensors } from './lora-keys';
import {
  type ExternalTensorRef,
  LoraMergeError,
  mergeLora,
  mergeLoraStack,
  resolveLoraTargets,
} from './merge-lora';

const OPTIMUM = 'test/fixtures/sd15/optimum';
const EXTRA = 'test/fixtures/sd15-extra';
const TE = new Uint8Array(readFileSync(join(OPTIMUM, 'text_encoder/model.onnx')));
const UNET = new Uint8Array(readFileSync(join(OPTIMUM, 'unet/model.onnx')));
const UNET_DATA = new Uint8Array(readFileSync(join(OPTIMUM, 'unet/model.onnx_data')));
const Q_PROJ = 'lora_te_text_model_encoder_layers_0_self_attn_q_proj';
const WIDTH = 32; // the tiny CLIP's hidden size

const rangeReader = (reads: ExternalTensorRef[]) => async (ref: ExternalTensorRef) => {
  reads.push(ref);
  return UNET_DATA.slice(ref.offset, ref.offset + ref.length);
};

function qProjLora(scale = 1) {
  return parseLoraSafetensors(
    writeSafetensors({
      [`${Q_PROJ}.lora_down.weight`]: { shape: [2, WIDTH], data: seq(2 * WIDTH, 1).map((x) => x * scale) },
      [`${Q_PROJ}.lora_up.weight`]: { shape: [WIDTH, 2], data: seq(2 * WIDTH, 2) },
      [`${Q_PROJ}.alpha`]: { shape: [], data: [1] },
    }),
    { target: 'text_encoder' },
  );
}

describe('text encoder LoRAs on the torch-exported CLIP (test/fixtures/sd15)', () => {
  it("resolves every text encoder module of both fixture LoRAs to the encoder's MatMul weights", () => {
    for (const file of ['lora-kohya.safetensors', 'lora-peft.safetensors']) {
      const lora = parseLoraSafetensors(new Uint8Array(readFileSync(join(EXTRA, file))), {
        target: 'text_encoder',
      });
      expect(lora.modules).toHaveLength(12);
      const report = resolveLoraTargets(TE, lora);
      expect(report.matched, file).toHaveLength(12);
      expect(report.unmatched).toEqual([]);
      expect(Object.values(report.targets).every((t) => /^onnx::MatMul_\d+$/.test(t))).toBe(true);
      expect(new Set(Object.values(report.targets)).size).toBe(12);
    }
  });

  it('merges q_proj into its transposed [in, out] MatMul weight', () => {
    const lora = qProjLora();
    const { model, targets } = mergeLora(TE, lora, 0.5);
    const init = targets[Q_PROJ]!;
    const before = readInitializer(TE, init);
    const after = readInitializer(model, init);
    expect(after.dims).toEqual([WIDTH, WIDTH]);
    const mod = lora.modules[0]!;
    const delta = transpose(matmul([...mod.up.data], [...mod.down.data], WIDTH, 2, WIDTH), WIDTH, WIDTH);
    const want = before.values.map((w, i) => Math.fround(w + 0.5 * (1 / 2) * delta[i]!));
    expect(after.values).toEqual(want);
  });
});

describe('mergeLoraStack', () => {
  it('sums several LoRAs in one pass: two at 0.25 and 0.75 are one at 1', async () => {
    const lora = qProjLora();
    const one = mergeLora(TE, lora, 1);
    const stack = await mergeLoraStack(TE, [
      { lora, strength: 0.25 },
      { lora, strength: 0.75 },
    ]);
    const init = one.targets[Q_PROJ]!;
    const a = readInitializer(one.model, init).values;
    const b = readInitializer(stack.model, init).values;
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThanOrEqual(1e-6);
    expect(stack.reports.map((r) => r.matched)).toEqual([[Q_PROJ], [Q_PROJ]]);
  });

  it('leaves strength-0 entries out, and returns the bytes themselves when all are 0', async () => {
    const lora = qProjLora();
    const off = await mergeLoraStack(TE, [{ lora, strength: 0 }]);
    expect(off.model).toBe(TE);
    expect(off.reports[0]!.reasons[Q_PROJ]).toBe('strength 0');
    const mixed = await mergeLoraStack(TE, [
      { lora, strength: 0 },
      { lora, strength: 0.5 },
    ]);
    expect(Buffer.from(mixed.model).equals(mergeLora(TE, lora, 0.5).model)).toBe(true);
  });

  it('names the LoRA in errors: no match, a bad strength, a shape mismatch (before anything is read)', async () => {
    const nowhere = parseLoraTensors(
      new Map([
        ['lora_unet_nowhere.lora_down.weight', { shape: [1, 2], data: Float32Array.of(1, 2) }],
        ['lora_unet_nowhere.lora_up.weight', { shape: [2, 1], data: Float32Array.of(1, 2) }],
      ]),
    );
    await expect(
      mergeLoraStack(TE, [
        { lora: qProjLora(), strength: 1, label: 'LoRA "good"' },
        { lora: nowhere, strength: 1, label: 'LoRA "bad"' },
      ]),
    ).rejects.toThrow(/^LoRA "bad": LoRA matched no weights of the U-Net: 0 of 1 U-Net modules matched/);
    await expect(
      mergeLoraStack(TE, [{ lora: qProjLora(), strength: Number.NaN, label: 'L' }]),
    ).rejects.toThrow(new LoraMergeError('L: LoRA strength must be a finite number, got NaN'));
    const reads: ExternalTensorRef[] = [];
    const wide = parseLoraSafetensors(new Uint8Array(readFileSync(join(EXTRA, 'lora-peft.safetensors'))));
    wide.modules[wide.modules.length - 1] = {
      ...wide.modules.at(-1)!,
      down: { shape: [4, 1024], data: new Float32Array(4096) },
    };
    await expect(
      mergeLoraStack(UNET, [{ lora: wide, strength: 1, label: 'LoRA "sd2"' }], {
        readExternal: rangeReader(reads),
      }),
    ).rejects.toThrow(/^LoRA "sd2": LoRA module unet\..*: shape mismatch: .* @ down \[4, 1024\]/);
    expect(reads).toEqual([]);
  });

  it('reads each targeted external initializer once, and only those', async () => {
    const peft = parseLoraSafetensors(new Uint8Array(readFileSync(join(EXTRA, 'lora-peft.safetensors'))));
    const kohya = parseLoraSafetensors(new Uint8Array(readFileSync(join(EXTRA, 'lora-kohya.safetensors'))));
    const reads: ExternalTensorRef[] = [];
    const result = await mergeLoraStack(
      UNET,
      [
        { lora: peft, strength: 0.5 },
        { lora: kohya, strength: 0.5 },
      ],
      { readExternal: rangeReader(reads) },
    );
    // Both files target the same 277 weights: each is read once.
    expect(reads).toHaveLength(277);
    expect(new Set(reads.map((r) => r.initializer)).size).toBe(277);
    expect(result.externalRead).toEqual(reads);
    const bytes = reads.reduce((n, r) => n + r.length, 0);
    expect(bytes).toBeLessThan(UNET_DATA.byteLength);
    expect(result.model.byteLength).toBeLessThanOrEqual(1.1 * (UNET.byteLength + bytes));
    // Without a reader, external targets are skipped (and then nothing matched).
    await expect(mergeLoraStack(UNET, [{ lora: peft, strength: 1 }])).rejects.toThrow(/external data/);
  });
});
