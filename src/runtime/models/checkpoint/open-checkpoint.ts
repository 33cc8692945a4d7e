/**
 * Opens a Stable Diffusion 1.5 ONNX checkpoint folder (diffusers' or optimum's layout, fp32 or
 * fp16) as a model source. Everything comes from the files: `model_index.json`, the scheduler
 * config, the tokenizer files, each component's `config.json` where there is one; tensor names,
 * dtypes and shapes are read later from the sessions. Every file is sha256-checked (streamed by
 * the reader) before a handle exists, and every problem throws a ModelSourceError naming the file
 * and what was expected, so nothing is loaded half-way. No model is loaded here: a session is
 * created only when a node runs it.
 */
import { z } from 'zod';
import { jsonErrorWhere } from '../../../core/json-error';
import { parseSchedulerConfig } from '../../../diffusion/diffusers/config';
import type { OnnxComponent } from '../../pack/manifest';
import { parseMerges } from '../../tokenizers/clip-bpe-files';
import type { ClipBpeComponent, HashedFile, ModelConstants, ModelLayout, ModelSet } from '../model-set';
import type { PackHandle } from '../pack-handle';
import { type FolderReader, ModelSourceError } from './folder-reader';
import { parsePythonJson } from './python-json';
import { externalDataFiles, recogniseLayout } from './recognise';
import { sd15Mismatch } from './sd15-check';

const componentEntry = z.union([
  z.tuple([z.string().nullable(), z.string().nullable()]),
  z.array(z.unknown()),
]);
const modelIndexSchema = z.looseObject({ _class_name: z.string().optional() }).catchall(z.unknown());

const tokenSchema = z.union([z.string(), z.looseObject({ content: z.string() })]);
const tokenizerConfigSchema = z.looseObject({
  model_max_length: z.number().optional(),
  bos_token: tokenSchema.nullish(),
  eos_token: tokenSchema.nullish(),
  pad_token: tokenSchema.nullish(),
});
const vaeConfigSchema = z.looseObject({
  scaling_factor: z.number().positive().optional(),
  latent_channels: z.number().int().positive().optional(),
  block_out_channels: z.array(z.number().int()).optional(),
  sample_size: z.number().int().positive().optional(),
});
const unetConfigSchema = z.looseObject({
  in_channels: z.number().int().positive().optional(),
  sample_size: z.number().int().positive().optional(),
  addition_embed_type: z.string().nullable().optional(),
  use_linear_projection: z.boolean().optional(),
  cross_attention_dim: z
    .union([z.number().int().positive(), z.array(z.number().int().positive())])
    .optional(),
});

/** SD1.x's VAE scaling factor, for exports without a vae config (diffusers' conversion script). */
const SD15_VAE_SCALING = 0.18215;

/** Known diffusers scheduler classes (model_index.json / scheduler_config.json `_class_name`). */
const SCHEDULER_CLASSES = new Set([
  'PNDMScheduler',
  'DDIMScheduler',
  'DDPMScheduler',
  'EulerDiscreteScheduler',
  'EulerAncestralDiscreteScheduler',
  'DPMSolverMultistepScheduler',
  'DPMSolverSinglestepScheduler',
  'LMSDiscreteScheduler',
  'HeunDiscreteScheduler',
  'KDPM2DiscreteScheduler',
  'KDPM2AncestralDiscreteScheduler',
  'UniPCMultistepScheduler',
  'DEISMultistepScheduler',
  'LCMScheduler',
]);

const ONNX_FOLDERS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;
/** Probed where a folder cannot be listed (a URL): the external-data names exporters write. */
const EXTERNAL_DATA_NAMES = ['model.onnx_data', 'weights.pb'];

interface Ctx {
  readonly reader: FolderReader;
  readonly signal: AbortSignal;
  readonly files: readonly string[] | undefined;
}

const where = (ctx: Ctx, path: string) => `${ctx.reader.label}/${path}`;

async function json(ctx: Ctx, path: string): Promise<unknown> {
  let text: string;
  try {
    text = await ctx.reader.readText(path, ctx.signal);
  } catch (error) {
    throw new ModelSourceError(
      where(ctx, path),
      `cannot read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  try {
    return parsePythonJson(text);
  } catch (error) {
    throw new ModelSourceError(where(ctx, path), `not valid JSON: it ${jsonErrorWhere(error)}`);
  }
}

async function exists(ctx: Ctx, path: string): Promise<boolean> {
  return ctx.files ? ctx.files.includes(path) : ctx.reader.exists(path, ctx.signal);
}

async function optionalJson<T>(ctx: Ctx, path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  if (!(await exists(ctx, path))) return undefined;
  const parsed = schema.safeParse(await json(ctx, path));
  if (!parsed.success)
    throw new ModelSourceError(
      where(ctx, path),
      `unexpected content: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  return parsed.data;
}

async function hashed(ctx: Ctx, file: string): Promise<HashedFile> {
  return { file, sha256: await ctx.reader.sha256(file, ctx.signal) };
}

async function onnxComponent(ctx: Ctx, folder: string): Promise<OnnxComponent | undefined> {
  const file = `${folder}/model.onnx`;
  if (!(await exists(ctx, file))) return undefined;
  const external = ctx.files
    ? externalDataFiles(ctx.files, folder)
    : (
        await Promise.all(
          EXTERNAL_DATA_NAMES.map(async (n) =>
            (await exists(ctx, `${folder}/${n}`)) ? `${folder}/${n}` : '',
          ),
        )
      ).filter(Boolean);
  const model = await hashed(ctx, file);
  const externalData = await Promise.all(external.map((x) => hashed(ctx, x)));
  // Names, dtypes and shapes are read from the session when a node runs it.
  return { ...model, ...(externalData.length ? { externalData } : {}), inputs: [], outputs: [] };
}

const tokenText = (token: z.infer<typeof tokenSchema> | null | undefined) =>
  token === null || token === undefined ? undefined : typeof token === 'string' ? token : token.content;

async function tokenizer(ctx: Ctx): Promise<{
  component: ClipBpeComponent;
  constants: Pick<ModelConstants, 'specialTokens' | 'conditioningLength'>;
}> {
  const vocabFile = 'tokenizer/vocab.json';
  const mergesFile = 'tokenizer/merges.txt';
  if (!(await exists(ctx, vocabFile))) {
    throw new ModelSourceError(
      where(ctx, vocabFile),
      (await exists(ctx, 'tokenizer/tokenizer.json'))
        ? 'missing: kosmograph reads CLIP tokenizers from vocab.json + merges.txt (the files diffusers saves)'
        : 'missing: a Stable Diffusion checkpoint needs its CLIP tokenizer (tokenizer/vocab.json + merges.txt)',
    );
  }
  if (!(await exists(ctx, mergesFile)))
    throw new ModelSourceError(
      where(ctx, mergesFile),
      'missing: a BPE tokenizer needs merges.txt beside vocab.json',
    );
  const vocab = z.record(z.string(), z.number().int().nonnegative()).safeParse(await json(ctx, vocabFile));
  if (!vocab.success)
    throw new ModelSourceError(where(ctx, vocabFile), 'expected a JSON object of token -> id');
  parseMerges(await ctx.reader.readText(mergesFile, ctx.signal), where(ctx, mergesFile));
  const config = {
    ...((await optionalJson(ctx, 'tokenizer/special_tokens_map.json', tokenizerConfigSchema)) ?? {}),
    ...((await optionalJson(ctx, 'tokenizer/tokenizer_config.json', tokenizerConfigSchema)) ?? {}),
  };
  const id = (token: string | undefined, fallback: string, role: string) => {
    const name = token ?? fallback;
    const found = Object.hasOwn(vocab.data, name) ? vocab.data[name] : undefined;
    if (found === undefined)
      throw new ModelSourceError(
        where(ctx, vocabFile),
        `the ${role} token ${JSON.stringify(name)} is not in the vocabulary`,
      );
    return found;
  };
  const eos = id(tokenText(config.eos_token), '<|endoftext|>', 'end');
  const specialTokens = {
    bos: id(tokenText(config.bos_token), '<|startoftext|>', 'start'),
    eos,
    pad: tokenText(config.pad_token) === undefined ? eos : id(tokenText(config.pad_token), '', 'padding'),
  };
  const max = config.model_max_length;
  // transformers writes a huge sentinel when there is no limit; CLIP's is 77.
  const conditioningLength = max !== undefined && max >= 2 && max <= 4096 ? max : 77;
  return {
    component: {
      format: 'clip-bpe',
      vocab: await hashed(ctx, vocabFile),
      merges: await hashed(ctx, mergesFile),
    },
    constants: { specialTokens, conditioningLength },
  };
}

async function scheduler(ctx: Ctx): Promise<{ config: Record<string, unknown>; file: string }> {
  const file = 'scheduler/scheduler_config.json';
  if (!(await exists(ctx, file)))
    throw new ModelSourceError(
      where(ctx, file),
      "missing: the checkpoint's noise schedule (scheduler_config.json) is needed to sample",
    );
  const config = await json(ctx, file);
  const parsed = z.looseObject({ _class_name: z.string().optional() }).safeParse(config);
  if (!parsed.success) throw new ModelSourceError(where(ctx, file), 'expected a JSON object');
  const cls = parsed.data._class_name;
  if (cls !== undefined && !SCHEDULER_CLASSES.has(cls)) {
    throw new ModelSourceError(
      where(ctx, file),
      `unknown scheduler class "${cls}" (expected one of diffusers' schedulers, e.g. ${[...SCHEDULER_CLASSES].slice(0, 4).join(', ')})`,
    );
  }
  try {
    parseSchedulerConfig(parsed.data, where(ctx, file));
  } catch (error) {
    throw new ModelSourceError(where(ctx, file), error instanceof Error ? error.message : String(error));
  }
  return { config: parsed.data, file };
}

/** The model set of a checkpoint folder, every file hashed; throws a ModelSourceError naming the file. */
export async function readCheckpoint(
  reader: FolderReader,
  signal: AbortSignal,
): Promise<{ models: ModelSet; files: HashedFile[] }> {
  const files = await reader.list(signal);
  let layout: ModelLayout;
  if (files) {
    const recognised = recogniseLayout(files);
    if (!recognised.ok)
      throw new ModelSourceError(
        reader.label,
        `not a model folder kosmograph knows: expected ${recognised.expected}`,
      );
    layout = recognised.layout;
  } else {
    if (!(await reader.exists('model_index.json', signal)))
      throw new ModelSourceError(
        `${reader.label}/model_index.json`,
        'not found: a checkpoint URL must be the folder holding model_index.json',
      );
    layout = (await reader.exists('unet/model.onnx_data', signal)) ? 'optimum-onnx' : 'diffusers-onnx';
  }
  if (layout === 'kosmograph-pack')
    throw new ModelSourceError(reader.label, 'is a kosmograph pack (manifest.json): open it as a pack');
  const ctx: Ctx = { reader, signal, files };
  const index = modelIndexSchema.safeParse(await json(ctx, 'model_index.json'));
  if (!index.success) throw new ModelSourceError(where(ctx, 'model_index.json'), 'expected a JSON object');
  for (const [key, value] of Object.entries(index.data)) {
    if (!key.startsWith('_') && Array.isArray(value) && !componentEntry.safeParse(value).success)
      throw new ModelSourceError(
        where(ctx, 'model_index.json'),
        `component "${key}" is not a [library, class] pair`,
      );
  }
  const [text_encoder, unet, vae_encoder, vae_decoder] = await Promise.all(
    ONNX_FOLDERS.map((f) => onnxComponent(ctx, f)),
  );
  const missing = (
    [
      ['unet', unet],
      ['text_encoder', text_encoder],
      ['vae_decoder', vae_decoder],
    ] as const
  ).filter(([, c]) => !c);
  if (missing.length > 0) {
    throw new ModelSourceError(
      where(ctx, `${missing[0]![0]}/model.onnx`),
      `missing: a Stable Diffusion checkpoint needs ${missing.map(([n]) => `${n}/model.onnx`).join(', ')}`,
    );
  }
  const tok = await tokenizer(ctx);
  const sched = await scheduler(ctx);
  const vaeConfig =
    (await optionalJson(ctx, 'vae_decoder/config.json', vaeConfigSchema)) ??
    (await optionalJson(ctx, 'vae/config.json', vaeConfigSchema));
  const unetConfig = await optionalJson(ctx, 'unet/config.json', unetConfigSchema);
  const notSd15 = sd15Mismatch({
    modelIndex: index.data,
    ...(files ? { files } : {}),
    ...(unetConfig ? { unetConfig } : {}),
    schedulerConfig: sched.config,
    schedulerFile: sched.file,
  });
  if (notSd15) throw new ModelSourceError(where(ctx, notSd15.file), notSd15.message);
  const vaeFactor = vaeConfig?.block_out_channels ? 2 ** (vaeConfig.block_out_channels.length - 1) : 8;
  const constants: ModelConstants = {
    latentChannels: vaeConfig?.latent_channels ?? unetConfig?.in_channels ?? 4,
    vaeFactor,
    vaeScalingFactor: vaeConfig?.scaling_factor ?? SD15_VAE_SCALING,
    imageSize: unetConfig?.sample_size ? unetConfig.sample_size * vaeFactor : (vaeConfig?.sample_size ?? 512),
    ...(typeof unetConfig?.cross_attention_dim === 'number'
      ? { unetConditioningWidth: unetConfig.cross_attention_dim }
      : {}),
    ...tok.constants,
  };
  const components = {
    ...(text_encoder ? { text_encoder } : {}),
    ...(unet ? { unet } : {}),
    ...(vae_encoder ? { vae_encoder } : {}),
    ...(vae_decoder ? { vae_decoder } : {}),
    tokenizer: tok.component,
    controlnet: {},
    loras: {},
  };
  const name = reader.label.split('/').filter(Boolean).at(-1) ?? reader.label;
  const models: ModelSet = {
    name,
    layout,
    components,
    constants,
    scheduler: sched.config,
    schedulerFile: sched.file,
  };
  const hashedFiles = [
    ...[text_encoder, unet, vae_encoder, vae_decoder].flatMap((c) =>
      c ? [c, ...(c.externalData ?? [])] : [],
    ),
    tok.component.vocab,
    tok.component.merges,
  ].map((f) => ({ file: f.file, sha256: f.sha256 }));
  return { models, files: hashedFiles };
}

/** sha256 over the sorted `sha256  file` lines of every model file and the configs' text. */
async function checkpointId(files: readonly HashedFile[], configs: string): Promise<string> {
  const lines = [...files].sort((a, b) => a.file.localeCompare(b.file)).map((f) => `${f.sha256}  ${f.file}`);
  const bytes = new TextEncoder().encode(`${lines.join('\n')}\n${configs}`);
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Opens a checkpoint folder as a model source handle. */
export async function openCheckpoint(
  reader: FolderReader,
  source: string,
  signal: AbortSignal,
): Promise<PackHandle> {
  const { models, files } = await readCheckpoint(reader, signal);
  const listed = new Set(files.map((f) => f.file));
  const configs = JSON.stringify({ scheduler: models.scheduler, constants: models.constants });
  const sizes = new Map(
    await Promise.all(files.map(async (f) => [f.file, await reader.size(f.file, signal)] as const)),
  );
  return {
    source,
    id: await checkpointId(files, configs),
    models,
    readFile(file) {
      if (!listed.has(file))
        return Promise.reject(new Error(`${file} is not a model file of ${reader.label}`));
      return reader.readBytes(file);
    },
    fileSize: (file) => sizes.get(file),
    ...(reader.readRange
      ? {
          readRange: (file: string, offset: number, length: number) => {
            if (!listed.has(file))
              return Promise.reject(new Error(`${file} is not a model file of ${reader.label}`));
            return reader.readRange!(file, offset, length);
          },
        }
      : {}),
    ...(reader.localPath
      ? { localPath: (file: string) => (listed.has(file) ? reader.localPath!(file) : undefined) }
      : {}),
  };
}
