import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sd15Mismatch } from './sd15-check';

const FIXTURE = 'test/fixtures/sd15/optimum';
const json = (file: string) =>
  JSON.parse(readFileSync(`${FIXTURE}/${file}`, 'utf8')) as Record<string, unknown>;
const sd15 = {
  modelIndex: json('model_index.json'),
  unetConfig: json('unet/config.json'),
  schedulerConfig: json('scheduler/scheduler_config.json'),
  schedulerFile: 'scheduler/scheduler_config.json',
  files: ['model_index.json', 'unet/model.onnx', 'text_encoder/model.onnx'],
};

describe('sd15Mismatch: what says a checkpoint folder is not Stable Diffusion 1.x', () => {
  it('accepts the tiny SD1.5 (small widths are not the test)', () => {
    expect(sd15Mismatch(sd15)).toBeNull();
    expect(sd15Mismatch({ ...sd15, unetConfig: undefined, files: undefined } as never)).toBeNull();
  });

  it.each([
    [
      'an SDXL pipeline class',
      { modelIndex: { _class_name: 'ORTStableDiffusionXLPipeline' } },
      'model_index.json',
      /ORTStableDiffusionXLPipeline/,
    ],
    [
      'a second text encoder',
      { files: [...sd15.files, 'text_encoder_2/model.onnx'] },
      'text_encoder_2/model.onnx',
      /text_encoder_2/,
    ],
    [
      'SDXL added embeddings',
      { unetConfig: { ...sd15.unetConfig, addition_embed_type: 'text_time' } },
      'unet/config.json',
      /"text_time" is SDXL/,
    ],
    [
      'SD2 linear projections',
      { unetConfig: { ...sd15.unetConfig, use_linear_projection: true } },
      'unet/config.json',
      /SD2/,
    ],
    [
      'an inpainting U-Net',
      { unetConfig: { ...sd15.unetConfig, in_channels: 9 } },
      'unet/config.json',
      /in_channels 9 is an inpainting U-Net/,
    ],
    [
      'v-prediction',
      { schedulerConfig: { ...sd15.schedulerConfig, prediction_type: 'v_prediction' } },
      'scheduler/scheduler_config.json',
      /v_prediction/,
    ],
  ])('refuses %s, naming the file', (_, change, file, message) => {
    const mismatch = sd15Mismatch({ ...sd15, ...change });
    expect(mismatch?.file).toBe(file);
    expect(mismatch?.message).toMatch(message);
    expect(mismatch?.message).toMatch(/Stable Diffusion 1\.x/);
  });
});
