import { describe, expect, it } from 'vitest';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import { readSafetensors } from '../../src/runtime/safetensors/read';
import { type TensorToWrite, writeSafetensors } from '../../src/runtime/safetensors/write';
import {
  decodeLatentFile,
  encodeLatentFile,
  LATENT_FORMAT_MARKER,
  LATENT_TENSOR,
  LatentFileError,
  LEGACY_LATENT_SCALE,
} from './latent-codec';

const MARKER: TensorToWrite = { shape: [0], data: [] };

/** A `.latent` of scaled latents, or as ComfyUI writes its own space when `marker` is true. */
function latentFile(tensor: TensorToWrite, marker = false): Uint8Array {
  const tensors = new Map<string, TensorToWrite>([[LATENT_TENSOR, tensor]]);
  if (marker) tensors.set(LATENT_FORMAT_MARKER, MARKER);
  return writeSafetensors(tensors);
}

const bitsOf = (data: Float32Array) => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));

describe('.latent codec', () => {
  it('round-trips a latent bit for bit, with ComfyUI tensors and metadata, deterministically', () => {
    const values = Float32Array.from([0, -0, 1.5, -2.25, 1e-42, 3.4e38, Math.fround(Math.PI), -7]);
    const samples = float32Tensor(values, [2, 1, 2, 2]);
    const bytes = encodeLatentFile(samples, { kosmograph: '{"graph":1}' });
    expect(encodeLatentFile(samples, { kosmograph: '{"graph":1}' })).toEqual(bytes);

    const raw = readSafetensors(bytes);
    expect([...raw.entries.keys()]).toEqual([LATENT_TENSOR]);
    expect(raw.entries.get(LATENT_TENSOR)).toMatchObject({ dtype: 'F32', shape: [2, 1, 2, 2] });

    const back = decodeLatentFile(bytes, 'x.latent');
    expect(back.rescaled).toBe(false);
    expect(back.dtype).toBe('F32');
    expect(back.samples.dims).toEqual([2, 1, 2, 2]);
    expect(bitsOf(back.samples.data)).toEqual(bitsOf(values));
    expect(back.metadata).toEqual({ kosmograph: '{"graph":1}' });
  });

  it('reads F16 and BF16 latents, widened exactly', () => {
    const f16 = decodeLatentFile(
      latentFile({ shape: [1, 1, 1, 3], data: [1, -0.5, 65504], dtype: 'F16' }),
      'a',
    );
    expect([...f16.samples.data]).toEqual([1, -0.5, 65504]);
    expect(f16.dtype).toBe('F16');
    const bf16 = decodeLatentFile(latentFile({ shape: [1, 1, 1, 2], data: [2, -3.5], dtype: 'BF16' }), 'b');
    expect([...bf16.samples.data]).toEqual([2, -3.5]);
  });

  it("maps ComfyUI's space: a marked file is multiplied by 0.18215 (float32), an unmarked one is already scaled", () => {
    const raw = [1 / LEGACY_LATENT_SCALE, 1, -2, 0.5];
    const comfy = decodeLatentFile(latentFile({ shape: [1, 1, 2, 2], data: raw }, true), 'comfy.latent');
    expect(comfy.rescaled).toBe(true);
    const multiplier = Math.fround(LEGACY_LATENT_SCALE);
    expect([...comfy.samples.data]).toEqual(raw.map((v) => Math.fround(Math.fround(v) * multiplier)));
    expect(comfy.samples.data[0]).toBeCloseTo(1, 6);
    const scaled = decodeLatentFile(latentFile({ shape: [1, 1, 2, 2], data: raw }), 'scaled.latent');
    expect(scaled.rescaled).toBe(false);
    expect([...scaled.samples.data]).toEqual(raw.map(Math.fround));
  });

  it('rejects files that are not safetensors', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    expect(() => decodeLatentFile(png, 'photo.png')).toThrow(LatentFileError);
    expect(() => decodeLatentFile(png, 'photo.png')).toThrow(
      /^photo\.png: not a readable safetensors \(\.latent\) file: header length/,
    );
    expect(() => decodeLatentFile(new Uint8Array(3), 'tiny.latent')).toThrow(/tiny\.latent: .*too short/);
    const json = new TextEncoder().encode(
      '{"latent_tensor":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}',
    );
    const i8 = new Uint8Array(8 + json.length + 1);
    new DataView(i8.buffer).setBigUint64(0, BigInt(json.length), true);
    i8.set(json, 8);
    expect(() => decodeLatentFile(i8, 'i8.latent')).toThrow(/i8\.latent: .*unsupported dtype I8/);
  });

  it('rejects a file without latent_tensor, naming what it has', () => {
    const other = writeSafetensors(
      new Map([['samples', { shape: [1, 4, 2, 2], data: new Float32Array(16) }]]),
    );
    expect(() => decodeLatentFile(other, 'lora.safetensors')).toThrow(
      'lora.safetensors: no "latent_tensor" tensor (the file has "samples")',
    );
    expect(() => decodeLatentFile(writeSafetensors(new Map()), 'empty.latent')).toThrow(/has no tensors/);
  });

  it('rejects a latent that is not [B, C, H, W] or holds no values', () => {
    expect(() =>
      decodeLatentFile(latentFile({ shape: [4, 2, 2], data: new Float32Array(16) }), 'r3'),
    ).toThrow('r3: "latent_tensor" has shape [4, 2, 2]; a latent is [batch, channels, height, width]');
    expect(() =>
      decodeLatentFile(latentFile({ shape: [1, 1, 4, 4, 1], data: new Float32Array(16) }), 'r5'),
    ).toThrow(/shape \[1, 1, 4, 4, 1\]/);
    expect(() => decodeLatentFile(latentFile({ shape: [1, 4, 0, 2], data: [] }), 'z')).toThrow(/no values/);
  });

  it('rejects non-finite values', () => {
    expect(() => decodeLatentFile(latentFile({ shape: [1, 1, 1, 2], data: [1, Number.NaN] }), 'nan')).toThrow(
      'nan: "latent_tensor" has a non-finite value (NaN) at index 1',
    );
    expect(() =>
      decodeLatentFile(
        latentFile({ shape: [1, 1, 1, 1], data: [Number.NEGATIVE_INFINITY], dtype: 'F16' }),
        'inf',
      ),
    ).toThrow(/non-finite value \(-Infinity\) at index 0/);
    expect(() =>
      decodeLatentFile(latentFile({ shape: [1, 1, 1, 1], data: [Number.NaN] }, true), 'comfy'),
    ).toThrow(/non-finite value \(NaN\) at index 0 \(after scaling by 0\.18215\)/);
  });

  it('rejects a latent over the value cap before decoding it', () => {
    const bytes = latentFile({ shape: [1, 4, 8, 8], data: new Float32Array(256) });
    expect(() => decodeLatentFile(bytes, 'huge.latent', { maxValues: 255 })).toThrow(
      'huge.latent: "latent_tensor" [1, 4, 8, 8] has 256 values, more than the 255 allowed',
    );
    expect(decodeLatentFile(bytes, 'ok.latent', { maxValues: 256 }).samples.dims).toEqual([1, 4, 8, 8]);
  });
});
