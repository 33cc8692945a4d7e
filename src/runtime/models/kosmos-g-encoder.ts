/**
 * A Kosmos-G encoder folder, as `kosmograph-export kosmos-g` writes it (docs/kosmos-g.md): `kosmos-g.json`
 * (format `kosmograph-kosmos-g/1`) listing vision/model.onnx, mllm/model.onnx, aligner/model.onnx and
 * tokenizer.json with their sha256, interfaces and the constants MLLM Encode reads. It has no U-Net, CLIP or
 * VAE: a graph takes those from a Stable Diffusion 1.5 checkpoint (Load Checkpoint). Parsed with zod here;
 * the reading and hashing of the files is the host's (headless: src/runtime/node/kosmos-g-dir.ts).
 */
import { z } from 'zod';
import { onnxComponentSchema, PackError } from '../pack/manifest';
import type { KosmosConstants, ModelSet } from './model-set';

export const KOSMOS_G_MANIFEST = 'kosmos-g.json';
export const KOSMOS_G_FORMAT = 'kosmograph-kosmos-g/1';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
const positive = z.number().int().positive();
const id = z.number().int().nonnegative();

export const kosmosGManifestSchema = z.object({
  format: z.literal(KOSMOS_G_FORMAT),
  name: z.string().min(1),
  description: z.string().optional(),
  dtype: z.enum(['float32', 'float16']),
  components: z.object({
    vision: onnxComponentSchema,
    mllm: onnxComponentSchema,
    aligner: onnxComponentSchema,
    tokenizer: z.object({
      file: onnxComponentSchema.shape.file,
      sha256,
      format: z.literal('hf-tokenizer-json'),
    }),
  }),
  constants: z.object({
    vision: z.object({
      inputSize: positive,
      mean: z.tuple([z.number(), z.number(), z.number()]),
      std: z.tuple([z.number(), z.number(), z.number()]),
      /** The app's transform: torchvision Resize(shorter side, BICUBIC) + CenterCrop on PIL. */
      resize: z.literal('bicubic').optional(),
      crop: z.literal('center').optional(),
    }),
    imageTokensPerImage: positive,
    mllmHiddenSize: positive,
    conditioningLength: positive,
    conditioningWidth: positive,
    specialTokens: z.object({ bos: id, eos: id, pad: id, unk: id, boi: id, eoi: id }),
    imageMarker: z.string().min(1),
  }),
});

export type KosmosGManifest = z.infer<typeof kosmosGManifestSchema>;

/** Validates a parsed kosmos-g.json; errors name `source` and the first offending fields. */
export function loadKosmosGManifest(json: unknown, source: string): KosmosGManifest {
  const parsed = kosmosGManifestSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new PackError(source, `invalid Kosmos-G encoder manifest: ${details}`);
  }
  return parsed.data;
}

/** Every file the manifest lists with its sha256 (models, their external data, the tokenizer). */
export function kosmosGFiles(m: KosmosGManifest): { component: string; file: string; sha256: string }[] {
  const out: { component: string; file: string; sha256: string }[] = [];
  for (const role of ['vision', 'mllm', 'aligner'] as const) {
    const c = m.components[role];
    out.push({ component: role, file: c.file, sha256: c.sha256 });
    for (const x of c.externalData ?? [])
      out.push({ component: `${role} external data`, file: x.file, sha256: x.sha256 });
  }
  out.push({
    component: 'tokenizer',
    file: m.components.tokenizer.file,
    sha256: m.components.tokenizer.sha256,
  });
  return out;
}

/**
 * The encoder as a model set: only the Kosmos-G components. The Stable Diffusion constants every model set
 * carries are SD1.5's here and never read: the set has no U-Net or VAE, so nodes that would read them
 * refuse it first (`requireComponent`).
 */
export function modelSetFromKosmosG(m: KosmosGManifest, name: string): ModelSet {
  const kosmos: KosmosConstants = m.constants;
  const { bos, eos, pad } = m.constants.specialTokens;
  return {
    name,
    layout: 'kosmos-g-encoder',
    components: {
      vision: m.components.vision,
      mllm: m.components.mllm,
      aligner: m.components.aligner,
      tokenizer: m.components.tokenizer,
      controlnet: {},
      loras: {},
    },
    constants: {
      latentChannels: 4,
      vaeFactor: 8,
      vaeScalingFactor: 0.18215,
      conditioningLength: m.constants.conditioningLength,
      specialTokens: { bos, eos, pad },
      imageSize: 512,
    },
    scheduler: {},
    schedulerFile: `${KOSMOS_G_MANIFEST} (an encoder has no scheduler)`,
    kosmos,
  };
}
