import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import type { GraphDocument } from '../../src/core/document';
import { exampleRunner, savedFile, savedImage } from '../integration/run-example';
import { goldenTensor, maxAbsDiff, meanAbsDiff } from '../sd15/sd15-graphs';
import { extraGoldenImage, extraGoldenLatent, LORA_FILES, loraGraph } from './lora-graph';

/**
 * The LoRA Loader on the tiny SD1.5 against diffusers' `load_lora_weights` + `fuse_lora(lora_scale=s)`
 * (which scales the U-Net and the text-encoder LoRA alike, so strength_model = strength_clip = s):
 * final latents within 1e-3 (max abs), decoded images within 1/255 (mean abs, in [0, 1]).
 */
const LATENT_TOLERANCE = 1e-3;
const IMAGE_TOLERANCE = 1 / 255;
const FP16_RELATIVE_TOLERANCE = 3e-3; // as test/sd15/pipeline-parity.test.ts: of the golden's largest magnitude

const CASES = [
  ['kohya', 0.5, 'lora_kohya_05'],
  ['kohya', 1, 'lora_kohya_1'],
  ['peft', 0.5, 'lora_peft_05'],
  ['peft', 1, 'lora_peft_1'],
] as const;

const largest = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('LoRA Loader against diffusers load_lora_weights + fuse_lora (dpmpp_2m, 10 steps, cfg 7.5)', () => {
  let runner: Awaited<ReturnType<typeof exampleRunner>>;
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });

  async function diffs(graph: GraphDocument, golden: string) {
    const result = await runner.run(graph);
    expect(result.status, result.error?.message).toBe('done');
    const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out').samples.data;
    const image = savedImage(result, 'save').image;
    const png = extraGoldenImage(`${golden}.png`);
    expect([image.width, image.height]).toEqual([png.width, png.height]);
    const want = extraGoldenLatent(`${golden}.latent`);
    return {
      latent: maxAbsDiff(latent, want),
      image: meanAbsDiff(image.data, png.data) / 255,
      largest: largest(want),
      samples: latent,
    };
  }

  it.each(CASES)(
    'optimum, %s at strength %s: latents and image match diffusers',
    async (format, s, golden) => {
      const d = await diffs(
        loraGraph([{ lora: LORA_FILES[format], strength_model: s, strength_clip: s }]),
        golden,
      );
      expect(d.latent, golden).toBeLessThanOrEqual(LATENT_TOLERANCE);
      expect(d.image, golden).toBeLessThanOrEqual(IMAGE_TOLERANCE);
    },
  );

  it.each([CASES[1], CASES[2]])('diffusers-onnx layout (weights.pb), %s at %s', async (format, s, golden) => {
    const graph = loraGraph(
      [{ lora: LORA_FILES[format], strength_model: s, strength_clip: s }],
      'diffusers-onnx',
    );
    const d = await diffs(graph, golden);
    expect(d.latent, golden).toBeLessThanOrEqual(LATENT_TOLERANCE);
    expect(d.image, golden).toBeLessThanOrEqual(IMAGE_TOLERANCE);
  });

  it('fp16 export, kohya at 1: within the fp16 bound of the fp32 golden', async () => {
    const d = await diffs(
      loraGraph([{ lora: LORA_FILES.kohya, strength_model: 1, strength_clip: 1 }], 'fp16'),
      'lora_kohya_1',
    );
    expect(d.latent).toBeLessThanOrEqual(FP16_RELATIVE_TOLERANCE * d.largest);
    expect(d.image).toBeLessThanOrEqual(IMAGE_TOLERANCE);
  });

  it('two loaders of the same file at 0.5 each give the file at 1', async () => {
    const half = { lora: LORA_FILES.kohya, strength_model: 0.5, strength_clip: 0.5 };
    const d = await diffs(loraGraph([half, half]), 'lora_kohya_1');
    expect(d.latent).toBeLessThanOrEqual(LATENT_TOLERANCE);
    expect(d.image).toBeLessThanOrEqual(IMAGE_TOLERANCE);
  });

  it('the text encoder part matters: strength_clip 0 misses the golden, and strength 0 is the base model', async () => {
    const unetOnly = await diffs(
      loraGraph([{ lora: LORA_FILES.peft, strength_model: 1, strength_clip: 0 }]),
      'lora_peft_1',
    );
    expect(unetOnly.latent).toBeGreaterThan(100 * LATENT_TOLERANCE);
    const off = await diffs(
      loraGraph([{ lora: LORA_FILES.peft, strength_model: 0, strength_clip: 0 }]),
      'lora_peft_1',
    );
    expect(maxAbsDiff(off.samples, goldenTensor('dpmpp_2m.latent', 'latent_tensor'))).toBeLessThanOrEqual(
      LATENT_TOLERANCE,
    );
    expect(off.latent).toBeGreaterThan(100 * LATENT_TOLERANCE);
  });
});
