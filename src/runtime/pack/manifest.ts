/**
 * `manifest.json` of a model pack: the components (files, hashes, tensor interfaces) and the
 * constants the nodes need. Parsed with zod at the edge; `loadManifest` names the file in errors.
 */
import { z } from 'zod';
import { currentLimits, limitNote, type ResourceLimits } from '../../core/limits';

export const PACK_FORMAT = 'kosmograph-pack/1';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
const relativeFile = z
  .string()
  .min(1)
  .refine(
    (f) => !f.startsWith('/') && !f.split(/[\\/]/).includes('..'),
    'must be a relative path inside the pack',
  );

export const tensorDtypeSchema = z.enum(['float32', 'float16', 'int64', 'int32', 'bool', 'uint8']);

/** A tensor of a model's interface. Numbers are fixed dims, strings are symbolic (e.g. `batch`). */
export const tensorSpecSchema = z.object({
  name: z.string().min(1),
  dtype: tensorDtypeSchema,
  shape: z.array(z.union([z.number().int().nonnegative(), z.string().min(1)])),
  description: z.string().optional(),
});

/** A weights file of a model stored as ONNX external data, next to the model file. */
export const externalDataSchema = z.object({ file: relativeFile, sha256 });

export const onnxComponentSchema = z.object({
  file: relativeFile,
  sha256,
  /** Large models keep weights outside the .onnx file; each listed file sits in the model's folder. */
  externalData: z.array(externalDataSchema).optional(),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
  description: z.string().optional(),
});

export const controlnetComponentSchema = onnxComponentSchema.extend({
  /** e.g. `canny` */
  controlType: z.string().min(1),
  /** Output names in order: 12 down-block residuals then the mid-block residual; each is also the
   * name of the U-Net input it feeds. */
  residuals: z.array(z.string().min(1)).min(1),
});

export const tokenizerComponentSchema = z.object({
  file: relativeFile,
  sha256,
  format: z.literal('hf-tokenizer-json'),
});

export const loraComponentSchema = z.object({
  file: relativeFile,
  sha256,
  format: z.literal('kohya'),
  target: z.literal('unet'),
  rank: z.number().int().positive(),
  /** LoRA key prefix (`lora_unet_<module>`) -> U-Net initializer name it modifies. */
  keyMap: z.record(z.string().min(1), z.string().min(1)),
  description: z.string().optional(),
});

export const scheduleSchema = z.object({
  type: z.literal('scaled_linear'),
  betaStart: z.number().positive(),
  betaEnd: z.number().positive(),
  trainSteps: z.number().int().positive(),
  predictionType: z.enum(['epsilon', 'v_prediction', 'sample']),
});

export const constantsSchema = z.object({
  imageSize: z.number().int().positive(),
  latentChannels: z.number().int().positive(),
  latentSize: z.number().int().positive(),
  vaeFactor: z.number().int().positive(),
  /** Multiply VAE-encoder output by this before the U-Net; divide by it before the decoder. */
  vaeScalingFactor: z.number().positive(),
  /**
   * Range of clean latents in the SCALED space the sampler works in, per latent channel. Samplers
   * clamp the guided denoised estimate (x0) to it at every step (keeps CFG on an exact denoiser
   * of a finite world from overshooting).
   */
  latentRange: z.object({
    space: z.literal('scaled'),
    min: z.array(z.number()),
    max: z.array(z.number()),
  }),
  vision: z.object({
    inputSize: z.number().int().positive(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
  }),
  imageTokensPerImage: z.number().int().positive(),
  mllmHiddenSize: z.number().int().positive(),
  conditioningLength: z.number().int().positive(),
  conditioningWidth: z.number().int().positive(),
  schedule: scheduleSchema,
  specialTokens: z.object({
    bos: z.number().int().nonnegative(),
    eos: z.number().int().nonnegative(),
    pad: z.number().int().nonnegative(),
    unk: z.number().int().nonnegative(),
    boi: z.number().int().nonnegative(),
    eoi: z.number().int().nonnegative(),
  }),
  /** Optional latent -> RGB factors [channel][r,g,b] for cheap sampler previews (scaled latents). */
  previewRgbFactors: z.array(z.tuple([z.number(), z.number(), z.number()])).optional(),
  /** The prompt marker standing for an input image. */
  imageMarker: z.string().min(1),
});

export const manifestSchema = z.object({
  format: z.literal(PACK_FORMAT),
  name: z.string().min(1),
  description: z.string().optional(),
  generatorVersion: z.string().optional(),
  components: z.object({
    vision: onnxComponentSchema,
    mllm: onnxComponentSchema,
    aligner: onnxComponentSchema,
    text_encoder: onnxComponentSchema,
    unet: onnxComponentSchema,
    controlnet: z.record(z.string().min(1), controlnetComponentSchema),
    vae_encoder: onnxComponentSchema,
    vae_decoder: onnxComponentSchema,
    tokenizer: tokenizerComponentSchema,
    loras: z.record(z.string().min(1), loraComponentSchema),
  }),
  constants: constantsSchema,
});

export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type OnnxComponent = z.infer<typeof onnxComponentSchema>;
export type ControlnetComponent = z.infer<typeof controlnetComponentSchema>;
export type LoraComponent = z.infer<typeof loraComponentSchema>;
export type PackConstants = z.infer<typeof constantsSchema>;
export type PackManifest = z.infer<typeof manifestSchema>;

export class PackError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'PackError';
  }
}

/**
 * The sizes a manifest declares that nodes allocate from (tensor interfaces with fixed dims, the
 * image, latent and conditioning sizes), each within `tensor-elements`: a shape of 30000 x 30000
 * is refused when the pack opens, naming the field, not met as a 10 GB allocation in a node.
 */
function checkDeclaredSizes(m: PackManifest, source: string, limits: ResourceLimits): void {
  const max = limits['tensor-elements'];
  const check = (field: string, dims: readonly number[]) => {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count > max) {
      throw new PackError(
        source,
        `${field} declares [${dims.join(', ')}] = ${count} values, more than the ${max} allowed (${limitNote('tensor-elements', limits)})`,
      );
    }
  };
  const onnx: [string, OnnxComponent][] = [
    ['vision', m.components.vision],
    ['mllm', m.components.mllm],
    ['aligner', m.components.aligner],
    ['text_encoder', m.components.text_encoder],
    ['unet', m.components.unet],
    ['vae_encoder', m.components.vae_encoder],
    ['vae_decoder', m.components.vae_decoder],
    ...Object.entries(m.components.controlnet).map(([k, v]): [string, OnnxComponent] => [
      `controlnet.${k}`,
      v,
    ]),
  ];
  for (const [name, component] of onnx) {
    for (const [side, specs] of [
      ['inputs', component.inputs],
      ['outputs', component.outputs],
    ] as const) {
      specs.forEach((spec, i) => {
        const fixed = spec.shape.filter((d): d is number => typeof d === 'number');
        check(`components.${name}.${side}.${i} (${spec.name})`, fixed);
      });
    }
  }
  const c = m.constants;
  check('constants.imageSize', [3, c.imageSize, c.imageSize]);
  check('constants.vision.inputSize', [3, c.vision.inputSize, c.vision.inputSize]);
  check('constants.latentSize', [c.latentChannels, c.latentSize, c.latentSize]);
  check('constants.conditioningLength x conditioningWidth', [c.conditioningLength, c.conditioningWidth]);
  check('constants.imageTokensPerImage x mllmHiddenSize', [c.imageTokensPerImage, c.mllmHiddenSize]);
}

/** Validates a parsed manifest; errors name `source` and the offending field. */
export function loadManifest(
  json: unknown,
  source: string,
  limits: ResourceLimits = currentLimits(),
): PackManifest {
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PackError(source, `invalid pack manifest: ${details}`);
  }
  const m = parsed.data;
  const c = m.constants.latentChannels;
  if (m.constants.latentRange.min.length !== c || m.constants.latentRange.max.length !== c) {
    throw new PackError(
      source,
      `constants.latentRange must have ${c} values per bound (one per latent channel)`,
    );
  }
  checkDeclaredSizes(m, source, limits);
  return m;
}

/** Every file a manifest lists, with its expected sha256, keyed by a readable component path. */
export function manifestFiles(m: PackManifest): { component: string; file: string; sha256: string }[] {
  const c = m.components;
  const out: { component: string; file: string; sha256: string }[] = [];
  const add = (
    component: string,
    e: { file: string; sha256: string; externalData?: { file: string; sha256: string }[] },
  ) => {
    out.push({ component, file: e.file, sha256: e.sha256 });
    for (const x of e.externalData ?? [])
      out.push({ component: `${component} external data`, file: x.file, sha256: x.sha256 });
  };
  add('vision', c.vision);
  add('mllm', c.mllm);
  add('aligner', c.aligner);
  add('text_encoder', c.text_encoder);
  add('unet', c.unet);
  for (const [k, v] of Object.entries(c.controlnet)) add(`controlnet.${k}`, v);
  add('vae_encoder', c.vae_encoder);
  add('vae_decoder', c.vae_decoder);
  add('tokenizer', c.tokenizer);
  for (const [k, v] of Object.entries(c.loras)) add(`loras.${k}`, v);
  return out;
}
