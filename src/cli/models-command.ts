import { residualInputs } from '../../nodes/sampling/unet-runner';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { ModelSourceError } from '../runtime/models/checkpoint/folder-reader';
import { type ModelServices, withSession } from '../runtime/models/model-services';
import { LAYOUT_LABELS, type ModelLayout, ONNX_ROLES } from '../runtime/models/model-set';
import type { PackHandle } from '../runtime/models/pack-handle';
import { packTokenizer } from '../runtime/models/pack-tokenizer';
import { chooseNodeBackend } from '../runtime/node/node-backends';
import { createNodeModelServices } from '../runtime/node/node-model-services';
import type { ValueInfo } from '../runtime/ort/model-session';
import type { OnnxComponent } from '../runtime/pack/manifest';
import { PackError } from '../runtime/pack/manifest';
import type { CliCommand } from './args';
import { CliError, EXIT } from './cli-error';

type ModelsInspectCommand = Extract<CliCommand, { command: 'models-inspect' }>;

/** A file of the source, with its size where the host knows it without reading it. */
export interface InspectFile {
  readonly file: string;
  readonly sha256: string;
  readonly sizeBytes: number | null;
}

/** An input or output as the ORT session reports it: symbolic dims by name. */
export interface InspectTensor {
  readonly name: string;
  /** Element type; null for non-tensor values. */
  readonly dtype: string | null;
  readonly shape: readonly (number | string)[];
}

export interface InspectComponent {
  /** e.g. `unet`, `controlnet.canny`, `tokenizer`, `loras.pastel`. */
  readonly name: string;
  readonly kind: 'onnx' | 'tokenizer' | 'lora';
  /** The model file (ONNX, LoRA) or the tokenizer's files. */
  readonly files: readonly InspectFile[];
  /** ONNX external data files (weights.pb, model.onnx_data, ...). */
  readonly externalData: readonly InspectFile[];
  /** ONNX components only: read from a real session. */
  readonly inputs?: readonly InspectTensor[];
  readonly outputs?: readonly InspectTensor[];
}

export interface InspectUnet {
  readonly timestep: {
    readonly dtype: string | null;
    readonly shape: readonly (number | string)[];
    /** `scalar` ([]), `single` ([1]: one value for the whole batch) or `batch` (one per batch row). */
    readonly form: 'scalar' | 'single' | 'batch';
    /** Whether fractional timesteps reach the model (float) or are rounded (integer types). */
    readonly fractional: boolean;
  } | null;
  /** Whether the U-Net takes ControlNet residuals (any input besides sample/timestep/encoder_hidden_states). */
  readonly controlnetResiduals: boolean;
  readonly residualInputs: readonly string[];
}

export interface InspectTokenizer {
  readonly format: 'clip-bpe' | 'hf-tokenizer-json';
  readonly files: readonly string[];
  readonly vocabSize: number;
  readonly bos: number;
  readonly eos: number;
  readonly pad: number;
  readonly maxLength: number;
}

export type ConfigValue = string | number | boolean | null;

/** `kosmograph models inspect --json`: one object. */
export interface ModelsInspectReport {
  readonly source: string;
  readonly name: string;
  readonly id: string;
  readonly layout: ModelLayout;
  readonly layoutLabel: string;
  readonly backend: string;
  readonly components: readonly InspectComponent[];
  readonly unet: InspectUnet | null;
  readonly tokenizer: InspectTokenizer | null;
  readonly vae: {
    readonly scalingFactor: number;
    readonly latentChannels: number;
    readonly factor: number;
    readonly imageSize: number;
  };
  readonly scheduler: {
    readonly file: string;
    readonly className: string | null;
    /** The keys that change the numbers, with diffusers' names; null where the file does not set one. */
    readonly config: Readonly<Record<string, ConfigValue>>;
  };
}

/** Scheduler keys shown (besides `_class_name`); every other `beta_*` key is added. */
const SCHEDULER_KEYS = [
  'num_train_timesteps',
  'beta_start',
  'beta_end',
  'beta_schedule',
  'prediction_type',
  'timestep_spacing',
  'steps_offset',
] as const;

function tensor(info: ValueInfo): InspectTensor {
  return { name: info.name, dtype: info.type ?? null, shape: [...info.shape] };
}

function fileOf(pack: PackHandle, file: string, sha256: string): InspectFile {
  return { file, sha256, sizeBytes: pack.fileSize?.(file) ?? null };
}

function timestepForm(info: ValueInfo): NonNullable<InspectUnet['timestep']> {
  const form =
    info.shape.length === 0 ? 'scalar' : info.shape.length === 1 && info.shape[0] === 1 ? 'single' : 'batch';
  const dtype = info.type ?? null;
  return { dtype, shape: [...info.shape], form, fractional: dtype === null || dtype.startsWith('float') };
}

function configValue(value: unknown): ConfigValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/**
 * Reads everything kosmograph knows about a model source: the layout recognised, its files, and
 * each ONNX component's interface from a real session (created one at a time and released after).
 */
export async function inspectModelSource(
  services: ModelServices,
  source: string,
  backend: string,
  signal: AbortSignal,
): Promise<ModelsInspectReport> {
  let pack: PackHandle;
  try {
    pack = await services.openPack(source, signal);
  } catch (error) {
    if (error instanceof ModelSourceError || error instanceof PackError)
      throw new CliError(EXIT.invalid, [error.message]);
    throw error;
  }
  const { models } = pack;
  const c = models.components;
  const components: InspectComponent[] = [];

  /** The component's interface from a session, which is released before the next one loads. */
  const onnx = async (name: string, component: OnnxComponent) => {
    let read: { inputs: ValueInfo[]; outputs: ValueInfo[]; residuals: string[] };
    try {
      read = await withSession(services, { pack, name, component, raw: true }, async (session) => ({
        inputs: [...session.inputs],
        outputs: [...session.outputs],
        residuals: residualInputs(session).map((i) => i.name),
      }));
    } finally {
      await services.pool.clear(); // one model loaded at a time; nothing kept after inspecting
    }
    components.push({
      name,
      kind: 'onnx',
      files: [fileOf(pack, component.file, component.sha256)],
      externalData: (component.externalData ?? []).map((x) => fileOf(pack, x.file, x.sha256)),
      inputs: read.inputs.map(tensor),
      outputs: read.outputs.map(tensor),
    });
    return read;
  };

  let unet: InspectUnet | null = null;
  for (const role of ONNX_ROLES) {
    const component = c[role];
    if (!component) continue;
    const read = await onnx(role, component);
    if (role !== 'unet') continue;
    const timestep = read.inputs.find((i) => i.name === 'timestep');
    unet = {
      timestep: timestep ? timestepForm(timestep) : null,
      controlnetResiduals: read.residuals.length > 0,
      residualInputs: read.residuals,
    };
  }
  for (const [key, component] of Object.entries(c.controlnet)) await onnx(`controlnet.${key}`, component);

  let tokenizer: InspectTokenizer | null = null;
  if (c.tokenizer) {
    const files =
      c.tokenizer.format === 'clip-bpe'
        ? [c.tokenizer.vocab, c.tokenizer.merges]
        : [{ file: c.tokenizer.file, sha256: c.tokenizer.sha256 }];
    components.push({
      name: 'tokenizer',
      kind: 'tokenizer',
      files: files.map((f) => fileOf(pack, f.file, f.sha256)),
      externalData: [],
    });
    const { specialTokens, conditioningLength } = models.constants;
    tokenizer = {
      format: c.tokenizer.format,
      files: files.map((f) => f.file),
      vocabSize: (await packTokenizer(pack)).vocabSize,
      ...specialTokens,
      maxLength: conditioningLength,
    };
  }
  for (const [key, lora] of Object.entries(c.loras)) {
    components.push({
      name: `loras.${key}`,
      kind: 'lora',
      files: [fileOf(pack, lora.file, lora.sha256)],
      externalData: [],
    });
  }

  const config: Record<string, ConfigValue> = {};
  const keys = [
    ...SCHEDULER_KEYS,
    ...Object.keys(models.scheduler).filter(
      (k) => k.startsWith('beta_') && !(SCHEDULER_KEYS as readonly string[]).includes(k),
    ),
  ];
  for (const key of keys) config[key] = configValue(models.scheduler[key]);
  const className = models.scheduler._class_name;
  const { constants } = models;
  return {
    source: pack.source,
    name: models.name,
    id: pack.id,
    layout: models.layout,
    layoutLabel: LAYOUT_LABELS[models.layout],
    backend,
    components,
    unet,
    tokenizer,
    vae: {
      scalingFactor: constants.vaeScalingFactor,
      latentChannels: constants.latentChannels,
      factor: constants.vaeFactor,
      imageSize: constants.imageSize,
    },
    scheduler: {
      file: models.schedulerFile,
      className: typeof className === 'string' ? className : null,
      config,
    },
  };
}

const shapeText = (shape: readonly (number | string)[]) => `[${shape.join(', ')}]`;

function sizeText(bytes: number | null): string {
  if (bytes === null) return 'size unknown';
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

const fileText = (f: InspectFile) => `${f.file} (${sizeText(f.sizeBytes)})`;

function timestepText(t: NonNullable<InspectUnet['timestep']>): string {
  const form =
    t.form === 'scalar'
      ? 'a scalar'
      : t.form === 'single'
        ? 'one value for the whole batch'
        : `one per batch row ${shapeText(t.shape)}`;
  const kind = t.fractional ? 'fractional timesteps reach the model' : 'fractional timesteps are rounded';
  return `${t.dtype ?? 'untyped'}, ${form} (${kind})`;
}

function residualsText(names: readonly string[]): string {
  const shown = names.length > 3 ? [names[0], '...', names.at(-1)] : names;
  return `${names.length} (${shown.join(', ')})`;
}

/** The report as readable text (what `models inspect` prints without --json). */
export function formatInspectReport(r: ModelsInspectReport): string {
  const lines = [
    `${r.source}`,
    `  layout: ${r.layoutLabel}`,
    `  name: ${r.name}`,
    `  id: ${r.id}`,
    `  backend: ${r.backend}`,
    '',
    'components:',
  ];
  for (const component of r.components) {
    lines.push(`  ${component.name}: ${component.files.map(fileText).join(', ')}`);
    if (component.externalData.length > 0)
      lines.push(`    external data: ${component.externalData.map(fileText).join(', ')}`);
    const io = (label: string, list: readonly InspectTensor[] | undefined) => {
      for (const t of list ?? [])
        lines.push(`    ${label} ${t.name}: ${t.dtype ?? '(not a tensor)'} ${shapeText(t.shape)}`);
    };
    io('in ', component.inputs);
    io('out', component.outputs);
  }
  lines.push('');
  if (r.unet) {
    lines.push('unet:');
    lines.push(`  timestep: ${r.unet.timestep ? timestepText(r.unet.timestep) : 'no "timestep" input'}`);
    lines.push(
      `  ControlNet residual inputs: ${r.unet.controlnetResiduals ? `yes, ${residualsText(r.unet.residualInputs)}` : 'none (sample, timestep, encoder_hidden_states only)'}`,
    );
  } else {
    lines.push('unet: none');
  }
  if (r.tokenizer) {
    const t = r.tokenizer;
    const format = t.format === 'clip-bpe' ? 'CLIP BPE' : 'tokenizer.json';
    lines.push(
      `tokenizer: ${format} (${t.files.join(', ')}), vocabulary ${t.vocabSize}, bos ${t.bos}, eos ${t.eos}, pad ${t.pad}, max length ${t.maxLength}`,
    );
  } else {
    lines.push('tokenizer: none');
  }
  lines.push(
    `vae: scaling factor ${r.vae.scalingFactor}, ${r.vae.latentChannels} latent channels, factor ${r.vae.factor} (images ${r.vae.imageSize}x${r.vae.imageSize})`,
  );
  lines.push(`scheduler: ${r.scheduler.className ?? '(no _class_name)'} (${r.scheduler.file})`);
  for (const [key, value] of Object.entries(r.scheduler.config))
    lines.push(`  ${key}: ${value === null ? 'not set (the class default applies)' : String(value)}`);
  return `${lines.join('\n')}\n`;
}

export interface ModelsIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * `kosmograph models inspect <folder|url> [--json] [--backend auto|cpu|wasm]`: what a model
 * source is, as kosmograph reads it. An unknown or incomplete source exits 2 with the message
 * naming the file and what was expected; a model ONNX Runtime cannot load exits 1.
 */
export async function modelsInspectCommand(
  command: ModelsInspectCommand,
  io: ModelsIo,
  baseDir: string = process.cwd(),
): Promise<number> {
  let chosen: Awaited<ReturnType<typeof chooseNodeBackend>>;
  try {
    chosen = await chooseNodeBackend(command.backend);
  } catch (error) {
    throw new CliError(EXIT.runtimeFailure, [error instanceof Error ? error.message : String(error)]);
  }
  const { backend, note } = chosen;
  if (note) io.stderr.write(`note: ${note}\n`);
  const services = createNodeModelServices({ backend, baseDir, ensureReferencePack });
  let report: ModelsInspectReport;
  try {
    report = await inspectModelSource(services, command.source, backend.name, new AbortController().signal);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(EXIT.runtimeFailure, [error instanceof Error ? error.message : String(error)]);
  } finally {
    await services.pool.clear();
  }
  io.stdout.write(command.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspectReport(report));
  return EXIT.ok;
}
