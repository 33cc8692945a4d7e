import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../test/fixtures/lora/tiny';
import { LoraFormatError } from './errors';
import { parseLoraSafetensors, parseLoraTensors } from './lora-keys';
import { readLoraSafetensors } from './lora-safetensors';

const t = (shape: number[], data?: number[]) => ({
  shape,
  data: Float32Array.from(data ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i / 10)),
});

describe('readLoraSafetensors', () => {
  it('reads F32, F16 and BF16 tensors and metadata', () => {
    const bytes = writeSafetensors(
      {
        a: { shape: [2, 2], data: [1, -2, 0.5, 3] },
        b: { shape: [3], data: [1, 0.099975586, -65504], dtype: 'F16' },
        c: { shape: [], data: [4], dtype: 'BF16' },
      },
      { ss_network_dim: '2' },
    );
    const f = readLoraSafetensors(bytes);
    expect([...f.tensors.keys()]).toEqual(['a', 'b', 'c']);
    expect(f.tensors.get('a')).toEqual({ shape: [2, 2], data: Float32Array.from([1, -2, 0.5, 3]) });
    expect([...f.tensors.get('b')!.data]).toEqual([1, Math.fround(0.099975586), -65504]);
    expect(f.tensors.get('c')).toEqual({ shape: [], data: Float32Array.from([4]) });
    expect(f.metadata).toEqual({ ss_network_dim: '2' });
  });

  it('rejects truncated files, bad headers and unsupported dtypes', () => {
    expect(() => readLoraSafetensors(new Uint8Array(4))).toThrow(LoraFormatError);
    const good = writeSafetensors({ a: { shape: [2], data: [1, 2] } });
    expect(() => readLoraSafetensors(good.subarray(0, good.length - 4))).toThrow(/data_offsets/);
    const json = new TextEncoder().encode('{"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}');
    const bad = new Uint8Array(8 + json.length + 1);
    new DataView(bad.buffer).setBigUint64(0, BigInt(json.length), true);
    bad.set(json, 8);
    expect(() => readLoraSafetensors(bad, 'x.safetensors')).toThrow(
      /x\.safetensors: a: unsupported dtype I8/,
    );
    const notJson = new Uint8Array(12);
    new DataView(notJson.buffer).setBigUint64(0, 4n, true);
    expect(() => readLoraSafetensors(notJson)).toThrow(/not JSON/);
  });
});

describe('parseLoraTensors', () => {
  it('groups kohya keys, reads alpha, and skips text-encoder modules', () => {
    const p = parseLoraTensors(
      new Map([
        ['lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', t([2, 4])],
        ['lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight', t([3, 2])],
        ['lora_unet_down_blocks_0_attentions_0_proj_in.alpha', t([], [1])],
        ['lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight', t([2, 4])],
        ['lora_te_text_model_encoder_layers_0_mlp_fc1.lora_up.weight', t([4, 2])],
        ['lora_te1_text_model_encoder_layers_0_mlp_fc1.alpha', t([], [1])],
      ]),
    );
    expect(p.modules).toHaveLength(1);
    const m = p.modules[0]!;
    expect(m).toMatchObject({
      module: 'lora_unet_down_blocks_0_attentions_0_proj_in',
      kohyaName: 'lora_unet_down_blocks_0_attentions_0_proj_in',
      style: 'kohya',
      path: null,
      rank: 2,
      alpha: 1,
    });
    expect(m.down.shape).toEqual([2, 4]);
    expect(m.up.shape).toEqual([3, 2]);
    expect(p.skipped.map((s) => s.name).sort()).toEqual([
      'lora_te1_text_model_encoder_layers_0_mlp_fc1',
      'lora_te_text_model_encoder_layers_0_mlp_fc1',
    ]);
    expect(p.skipped[0]!.reason).toMatch(/text encoder/);
  });

  it('parses PEFT and diffusers keys into dotted paths', () => {
    const p = parseLoraTensors(
      new Map([
        ['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight', t([2, 4])],
        ['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight', t([4, 2])],
        ['base_model.model.mid_block.attentions.0.proj_out.lora_A.default.weight', t([1, 4])],
        ['base_model.model.mid_block.attentions.0.proj_out.lora_B.default.weight', t([4, 1])],
        ['base_model.model.mid_block.attentions.0.proj_out.alpha', t([], [8])],
        ['up_blocks.1.attentions.0.proj_in.lora.down.weight', t([2, 4])],
        ['up_blocks.1.attentions.0.proj_in.lora.up.weight', t([4, 2])],
        [
          'unet.up_blocks.1.attentions.2.transformer_blocks.0.attn2.processor.to_out_lora.down.weight',
          t([2, 4]),
        ],
        [
          'unet.up_blocks.1.attentions.2.transformer_blocks.0.attn2.processor.to_out_lora.up.weight',
          t([4, 2]),
        ],
        ['text_encoder.text_model.encoder.layers.0.mlp.fc1.lora_A.weight', t([2, 4])],
        ['text_encoder.text_model.encoder.layers.0.mlp.fc1.lora_B.weight', t([4, 2])],
      ]),
      { defaultAlpha: 4 },
    );
    const byPath = Object.fromEntries(p.modules.map((m) => [m.path, m]));
    expect(Object.keys(byPath).sort()).toEqual([
      'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q',
      'mid_block.attentions.0.proj_out',
      'up_blocks.1.attentions.0.proj_in',
      'up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_out.0',
    ]);
    const q = byPath['down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q']!;
    expect(q).toMatchObject({
      style: 'peft',
      module: 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q',
      kohyaName: 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q',
      alpha: 4,
    });
    expect(byPath['mid_block.attentions.0.proj_out']!.alpha).toBe(8);
    expect(byPath['up_blocks.1.attentions.0.proj_in']!.style).toBe('diffusers');
    expect(byPath['up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_out.0']!.kohyaName).toBe(
      'lora_unet_up_blocks_1_attentions_2_transformer_blocks_0_attn2_to_out_0',
    );
    expect(p.skipped).toEqual([
      {
        name: 'text_encoder.text_model.encoder.layers.0.mlp.fc1',
        reason: 'text encoder module (merged into the text encoder, not the U-Net)',
        component: 'text_encoder',
      },
    ]);
  });

  it('reports unsupported formats, incomplete modules and unknown keys as skipped', () => {
    const p = parseLoraTensors(
      new Map([
        ['lora_unet_a.hada_w1_a', t([2, 4])],
        ['lora_unet_b.lora_down.weight', t([2, 4])],
        ['lora_unet_c.lora_down.weight', t([2, 4])],
        ['lora_unet_c.lora_up.weight', t([4, 2])],
        ['lora_unet_c.dora_scale', t([4, 1])],
        ['something_else', t([1])],
      ]),
    );
    expect(p.modules).toEqual([]);
    expect(Object.fromEntries(p.skipped.map((s) => [s.name, s.reason]))).toEqual({
      lora_unet_a: 'LoHa (hada_*) is not supported',
      lora_unet_b: 'incomplete module: no up weight',
      lora_unet_c: 'DoRA is not supported',
      something_else: 'unrecognised LoRA key',
    });
  });

  it('reads the text encoder modules with target text_encoder, and skips the U-Net ones', () => {
    const tensors = new Map([
      ['lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', t([2, 4])],
      ['lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight', t([3, 2])],
      ['lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight', t([2, 4])],
      ['lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight', t([4, 2])],
      ['lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha', t([], [1])],
      ['lora_te1_text_model_encoder_layers_1_mlp_fc1.lora_down.weight', t([2, 4])],
      ['lora_te1_text_model_encoder_layers_1_mlp_fc1.lora_up.weight', t([5, 2])],
      ['lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight', t([2, 4])],
      ['lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight', t([5, 2])],
      ['text_encoder.text_model.encoder.layers.2.mlp.fc2.lora_A.weight', t([2, 5])],
      ['text_encoder.text_model.encoder.layers.2.mlp.fc2.lora_B.weight', t([4, 2])],
      ['text_encoder_2.text_model.encoder.layers.0.mlp.fc2.lora_A.weight', t([2, 5])],
      ['text_encoder_2.text_model.encoder.layers.0.mlp.fc2.lora_B.weight', t([4, 2])],
    ]);
    const te = parseLoraTensors(tensors, { target: 'text_encoder' });
    expect(te.target).toBe('text_encoder');
    expect(te.modules.map((m) => [m.module, m.target, m.path, m.kohyaName])).toEqual([
      [
        'lora_te1_text_model_encoder_layers_1_mlp_fc1',
        'text_encoder',
        null,
        'lora_te1_text_model_encoder_layers_1_mlp_fc1',
      ],
      [
        'lora_te_text_model_encoder_layers_0_self_attn_q_proj',
        'text_encoder',
        null,
        'lora_te_text_model_encoder_layers_0_self_attn_q_proj',
      ],
      [
        'text_encoder.text_model.encoder.layers.2.mlp.fc2',
        'text_encoder',
        'text_model.encoder.layers.2.mlp.fc2',
        'lora_te_text_model_encoder_layers_2_mlp_fc2',
      ],
    ]);
    expect(te.modules[1]!.keys).toEqual({
      down: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight',
      up: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight',
      alpha: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha',
    });
    const why = Object.fromEntries(te.skipped.map((x) => [x.name, x]));
    expect(why.lora_unet_down_blocks_0_attentions_0_proj_in).toEqual({
      name: 'lora_unet_down_blocks_0_attentions_0_proj_in',
      reason: 'U-Net module (merged into the U-Net, not the text encoder)',
      component: 'unet',
    });
    expect(why.lora_te2_text_model_encoder_layers_0_mlp_fc1!.reason).toMatch(/second text encoder \(SDXL\)/);
    expect(why['text_encoder_2.text_model.encoder.layers.0.mlp.fc2']!.reason).toMatch(/second text encoder/);

    const unet = parseLoraTensors(tensors);
    expect(unet.target).toBe('unet');
    expect(unet.modules.map((m) => m.module)).toEqual(['lora_unet_down_blocks_0_attentions_0_proj_in']);
    expect(unet.skipped.filter((x) => x.component === 'text_encoder')).toHaveLength(3);
  });

  it('refuses a NaN or an infinity in a module of the target, naming the file and the key', () => {
    const bad = (value: number) =>
      new Map([
        ['lora_unet_x.lora_down.weight', t([2, 4])],
        ['lora_unet_x.lora_up.weight', t([3, 2], [0, 1, 2, value, 4, 5])],
        ['lora_te_y.lora_down.weight', t([1, 2], [value, 0])],
        ['lora_te_y.lora_up.weight', t([2, 1])],
      ]);
    expect(() => parseLoraTensors(bad(Number.NaN), { source: 'LoRA "bad.safetensors"' })).toThrow(
      'LoRA "bad.safetensors": tensor lora_unet_x.lora_up.weight holds NaN at index 3 (shape [3, 2])',
    );
    expect(() => parseLoraTensors(bad(Number.NEGATIVE_INFINITY), { target: 'text_encoder' })).toThrow(
      /^tensor lora_te_y\.lora_down\.weight holds -Infinity at index 0/,
    );
    const alpha = new Map([
      ['lora_unet_x.lora_down.weight', t([2, 4])],
      ['lora_unet_x.lora_up.weight', t([3, 2])],
      ['lora_unet_x.alpha', t([], [Number.POSITIVE_INFINITY])],
    ]);
    expect(() => parseLoraTensors(alpha)).toThrow(/tensor lora_unet_x\.alpha holds Infinity/);
  });

  it('throws on a rank mismatch between down and up', () => {
    expect(() =>
      parseLoraTensors(
        new Map([
          ['lora_unet_x.lora_down.weight', t([2, 4])],
          ['lora_unet_x.lora_up.weight', t([4, 3])],
        ]),
      ),
    ).toThrow(/lora_unet_x: up has 3 columns but down has rank 2/);
  });

  it('parses a safetensors file end to end, with F16 weights', () => {
    const bytes = writeSafetensors(
      {
        'lora_unet_palette.lora_down.weight': { shape: [1, 3], data: [1, 0.5, 0.25], dtype: 'F16' },
        'lora_unet_palette.lora_up.weight': { shape: [4, 1], data: [1, 2, 3, 4], dtype: 'F16' },
        'lora_unet_palette.alpha': { shape: [], data: [1] },
      },
      { ss_network_module: 'networks.lora' },
    );
    const p = parseLoraSafetensors(bytes);
    expect(p.metadata).toEqual({ ss_network_module: 'networks.lora' });
    expect([...p.modules[0]!.down.data]).toEqual([1, 0.5, 0.25]);
    expect(p.modules[0]!.alpha).toBe(1);
  });
});
