/**
 * Is a diffusers-style checkpoint folder Stable Diffusion 1.x? SDXL, SD2.x and inpainting exports
 * share the folder layout, and would otherwise open and then fail (or draw noise) deep inside a
 * run. Sizes are not the test (the tiny fixtures are SD1.5's architecture at a small width), the
 * architecture's markers are: SDXL's pipeline class, second text encoder and added time/text
 * embeddings; SD2's linear projections in the transformer blocks and v-prediction; inpainting's
 * nine input channels. Pure: it reads the parsed JSON and the file list.
 */

/** The first thing that says the folder is not SD1.x: the file it is in and what it says. */
export interface Sd15Mismatch {
  readonly file: string;
  readonly message: string;
}

export interface CheckpointFacts {
  readonly modelIndex: Readonly<Record<string, unknown>>;
  /** Relative paths of the folder's files, when the folder can be listed. */
  readonly files?: readonly string[];
  readonly unetConfig?: Readonly<Record<string, unknown>>;
  readonly schedulerConfig: Readonly<Record<string, unknown>>;
  /** Where the scheduler config was read from (for the message). */
  readonly schedulerFile: string;
}

const SD15 = 'kosmograph runs Stable Diffusion 1.x checkpoints (SD1.5 and its fine-tunes)';

export function sd15Mismatch(facts: CheckpointFacts): Sd15Mismatch | null {
  const { modelIndex, files, unetConfig, schedulerConfig } = facts;
  const pipeline = modelIndex._class_name;
  if (typeof pipeline === 'string' && /XL|StableDiffusion3|Flux|Kandinsky|Cascade/i.test(pipeline))
    return { file: 'model_index.json', message: `is a ${pipeline} checkpoint; ${SD15}` };
  if ('text_encoder_2' in modelIndex || files?.some((f) => f.startsWith('text_encoder_2/')))
    return {
      file:
        files?.find((f) => f.startsWith('text_encoder_2/') && f.endsWith('.onnx')) ??
        files?.find((f) => f.startsWith('text_encoder_2/')) ??
        'model_index.json',
      message: `has a second text encoder (text_encoder_2), as SDXL does; ${SD15}`,
    };
  // A config of another class (e.g. a VAE's copied into unet/) is not a U-Net's: the session says.
  const unetClass = unetConfig?._class_name;
  if (unetConfig && (unetClass === undefined || unetClass === 'UNet2DConditionModel')) {
    const addition = unetConfig.addition_embed_type;
    if (typeof addition === 'string')
      return {
        file: 'unet/config.json',
        message: `addition_embed_type "${addition}" is SDXL's U-Net (added text/time embeddings); ${SD15}`,
      };
    if (unetConfig.use_linear_projection === true)
      return {
        file: 'unet/config.json',
        message: `use_linear_projection true is SD2.x's U-Net (SD1.x uses 1x1 convolutions); ${SD15}`,
      };
    const inChannels = unetConfig.in_channels;
    if (typeof inChannels === 'number' && inChannels !== 4)
      return {
        file: 'unet/config.json',
        message: `in_channels ${inChannels}${inChannels === 9 ? ' is an inpainting U-Net' : ''}: SD1.x U-Nets take 4 latent channels; ${SD15}`,
      };
  }
  if (schedulerConfig.prediction_type === 'v_prediction')
    return {
      file: facts.schedulerFile,
      message: `prediction_type "v_prediction" is SD2.x-768's; SD1.x predicts the noise ("epsilon"); ${SD15}`,
    };
  return null;
}
