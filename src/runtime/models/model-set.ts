/**
 * What an opened model source offers the nodes, whatever its layout: a kosmograph pack (all
 * Kosmos-G components), or a Stable Diffusion 1.5 ONNX checkpoint folder (diffusers' or optimum's
 * layout) that has only the SD components. Nodes ask for a component with `requireComponent`
 * and get an error naming the source and what it lacks, never an undefined.
 */
import type {
  ControlnetComponent,
  LoraComponent,
  OnnxComponent,
  PackConstants,
  PackManifest,
} from '../pack/manifest';

export type ModelLayout =
  | 'kosmograph-pack'
  | 'diffusers-onnx'
  | 'optimum-onnx'
  | 'controlnet-onnx'
  | 'kosmos-g-encoder';

export const LAYOUT_LABELS: Readonly<Record<ModelLayout, string>> = {
  'kosmograph-pack': 'kosmograph pack (manifest.json)',
  'diffusers-onnx': "Stable Diffusion ONNX, diffusers' layout (model_index.json, weights.pb)",
  'optimum-onnx': "Stable Diffusion ONNX, optimum's layout (model_index.json, model.onnx_data)",
  'controlnet-onnx': 'ControlNet ONNX (model.onnx + config.json of a ControlNetModel)',
  'kosmos-g-encoder': 'Kosmos-G encoder (kosmos-g.json, from kosmograph-export kosmos-g)',
};

/** A file with its (streamed) sha256. */
export interface HashedFile {
  readonly file: string;
  readonly sha256: string;
}

/** A tokenizer as a HuggingFace `tokenizer.json` (packs, fast-tokenizer exports). */
export interface TokenizerJsonComponent extends HashedFile {
  readonly format: 'hf-tokenizer-json';
}

/** CLIP's BPE as diffusers' checkpoints ship it: `vocab.json` + `merges.txt` (the slow tokenizer's files). */
export interface ClipBpeComponent {
  readonly format: 'clip-bpe';
  readonly vocab: HashedFile;
  readonly merges: HashedFile;
}

export type TokenizerComponent = TokenizerJsonComponent | ClipBpeComponent;

export interface ModelComponents {
  readonly vision?: OnnxComponent;
  readonly mllm?: OnnxComponent;
  readonly aligner?: OnnxComponent;
  readonly text_encoder?: OnnxComponent;
  readonly unet?: OnnxComponent;
  readonly vae_encoder?: OnnxComponent;
  readonly vae_decoder?: OnnxComponent;
  readonly tokenizer?: TokenizerComponent;
  readonly controlnet: Readonly<Record<string, ControlnetComponent>>;
  readonly loras: Readonly<Record<string, LoraComponent>>;
}

export type OnnxRole =
  | 'vision'
  | 'mllm'
  | 'aligner'
  | 'text_encoder'
  | 'unet'
  | 'vae_encoder'
  | 'vae_decoder';

/** Constants every Stable Diffusion source has (read from its files); the Kosmos-G ones only packs have. */
export interface ModelConstants {
  readonly latentChannels: number;
  readonly vaeFactor: number;
  readonly vaeScalingFactor: number;
  /** Text-encoder sequence length (tokenizer model_max_length, or the session's fixed dim). */
  readonly conditioningLength: number;
  readonly specialTokens: { readonly bos: number; readonly eos: number; readonly pad: number };
  /** Only the reference pack declares a latent range (the guided-x0 clamp); real models have none. */
  readonly latentRange?: PackConstants['latentRange'];
  readonly previewRgbFactors?: PackConstants['previewRgbFactors'];
  /** Native image size (the pack's; 512 for SD1.5 checkpoints). */
  readonly imageSize: number;
  /**
   * The width of the conditioning the U-Net takes (`encoder_hidden_states`), where a config says it
   * without a session (a checkpoint's `unet/config.json` cross_attention_dim; 768 for SD1.5).
   */
  readonly unetConditioningWidth?: number;
}

/** diffusers' `scheduler_config.json` as read from the source (validated by the sampler). */
export type SchedulerConfigJson = Readonly<Record<string, unknown>>;

export interface ModelSet {
  readonly name: string;
  readonly layout: ModelLayout;
  readonly components: ModelComponents;
  readonly constants: ModelConstants;
  /** The training noise schedule, as a diffusers scheduler config. */
  readonly scheduler: SchedulerConfigJson;
  /** The file `scheduler` came from, for messages. */
  readonly schedulerFile: string;
  /** The full manifest when the source is a kosmograph pack (the Kosmos-G constants live there). */
  readonly pack?: PackManifest;
  /** What MLLM Encode / Align read: a pack's Kosmos-G constants, or a Kosmos-G encoder folder's. */
  readonly kosmos?: KosmosConstants;
}

/** The Kosmos-G constants of a source (image tokens, MLLM width, special ids, marker, vision input). */
export type KosmosConstants = Pick<
  PackConstants,
  | 'imageTokensPerImage'
  | 'mllmHiddenSize'
  | 'conditioningLength'
  | 'conditioningWidth'
  | 'specialTokens'
  | 'imageMarker'
> & {
  /** `resize: 'bicubic'`: Kosmos-G's own transform (PIL bicubic of the shorter side, centre crop). */
  readonly vision: PackConstants['vision'] & { readonly resize?: 'bicubic' };
};

/** A kosmograph pack's manifest as a model set. */
export function modelSetFromManifest(m: PackManifest): ModelSet {
  const { schedule } = m.constants;
  return {
    name: m.name,
    layout: 'kosmograph-pack',
    components: m.components,
    constants: m.constants,
    scheduler: {
      _class_name: 'PNDMScheduler',
      num_train_timesteps: schedule.trainSteps,
      beta_start: schedule.betaStart,
      beta_end: schedule.betaEnd,
      beta_schedule: schedule.type,
      prediction_type: schedule.predictionType,
      set_alpha_to_one: false,
      skip_prk_steps: true,
      steps_offset: 1,
      clip_sample: false,
    },
    schedulerFile: 'manifest.json (constants.schedule)',
    pack: m,
    kosmos: m.constants,
  };
}

const ROLE_FILES: Readonly<Record<OnnxRole, string>> = {
  vision: 'the vision tower',
  mllm: 'the MLLM',
  aligner: 'the AlignerNet',
  text_encoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  vae_encoder: 'vae_encoder/model.onnx',
  vae_decoder: 'vae_decoder/model.onnx',
};

/** The component `role` of a model set, or an error naming the source and what it lacks. */
export function requireComponent(set: ModelSet, role: OnnxRole): OnnxComponent {
  const component = set.components[role];
  if (component) return component;
  const kosmos = role === 'vision' || role === 'mllm' || role === 'aligner';
  throw new Error(
    kosmos
      ? `${set.name} is a ${LAYOUT_LABELS[set.layout]}: it has no ${ROLE_FILES[role]} (Kosmos-G models come from a kosmograph pack or a Kosmos-G encoder folder)`
      : `${set.name} has no ${role} (expected ${ROLE_FILES[role]})`,
  );
}

/** The full pack manifest (Kosmos-G constants), or an error saying this source is a plain SD checkpoint. */
export function requireKosmosPack(set: ModelSet, what: string): PackManifest {
  if (set.pack) return set.pack;
  throw new Error(
    `${what} needs a Kosmos-G model (a kosmograph pack); ${set.name} is a ${LAYOUT_LABELS[set.layout]}`,
  );
}

/** The Kosmos-G constants (a pack's or an encoder folder's), or an error saying this source has none. */
export function requireKosmosConstants(set: ModelSet, what: string): KosmosConstants {
  if (set.kosmos) return set.kosmos;
  throw new Error(
    `${what} needs a Kosmos-G model (a Kosmos-G encoder folder or a kosmograph pack); ${set.name} is a ${LAYOUT_LABELS[set.layout]}`,
  );
}

/** Every file of a model set with its sha256, keyed by a readable component path. */
export function modelSetFiles(set: ModelSet): { component: string; file: string; sha256: string }[] {
  const out: { component: string; file: string; sha256: string }[] = [];
  const add = (component: string, e: HashedFile & { externalData?: readonly HashedFile[] }) => {
    out.push({ component, file: e.file, sha256: e.sha256 });
    for (const x of e.externalData ?? [])
      out.push({ component: `${component} external data`, file: x.file, sha256: x.sha256 });
  };
  const c = set.components;
  for (const role of ONNX_ROLES) {
    const component = c[role];
    if (component) add(role, component);
  }
  for (const [k, v] of Object.entries(c.controlnet)) add(`controlnet.${k}`, v);
  if (c.tokenizer?.format === 'hf-tokenizer-json') add('tokenizer', c.tokenizer);
  if (c.tokenizer?.format === 'clip-bpe') {
    add('tokenizer vocab', c.tokenizer.vocab);
    add('tokenizer merges', c.tokenizer.merges);
  }
  for (const [k, v] of Object.entries(c.loras)) add(`loras.${k}`, v);
  return out;
}

export const ONNX_ROLES: readonly OnnxRole[] = [
  'vision',
  'mllm',
  'aligner',
  'text_encoder',
  'unet',
  'vae_encoder',
  'vae_decoder',
];
