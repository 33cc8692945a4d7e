/**
 * Opens a ControlNet folder as `kosmograph-export controlnet` writes it (and as ONNX ControlNet
 * exports are shared): `model.onnx` (+ its external data) and diffusers' `config.json` with
 * `_class_name: ControlNetModel`. The model's residual outputs are matched to the U-Net's
 * residual inputs by meaning when the sampler runs it; nothing is assumed here but the files.
 */
import { z } from 'zod';
import { jsonErrorWhere } from '../../../core/json-error';
import type { ControlnetComponent } from '../../pack/manifest';
import type { ModelSet } from '../model-set';
import type { PackHandle } from '../pack-handle';
import { type FolderReader, ModelSourceError } from './folder-reader';
import { parsePythonJson } from './python-json';
import { externalDataFiles } from './recognise';

const configSchema = z.looseObject({
  _class_name: z.string().optional(),
  in_channels: z.number().int().positive().optional(),
  block_out_channels: z.array(z.number().int()).optional(),
});

/** Whether a folder's files look like a single-model ONNX ControlNet export. */
export function looksLikeControlnetFolder(paths: readonly string[]): boolean {
  return paths.includes('model.onnx') && paths.includes('config.json') && !paths.includes('model_index.json');
}

export async function openControlnetFolder(
  reader: FolderReader,
  source: string,
  signal: AbortSignal,
): Promise<PackHandle> {
  const files = (await reader.list(signal)) ?? ['model.onnx', 'config.json'];
  const configFile = `${reader.label}/config.json`;
  let config: z.infer<typeof configSchema>;
  try {
    const text = await reader.readText('config.json', signal);
    let json: unknown;
    try {
      json = parsePythonJson(text);
    } catch (error) {
      throw new Error(`not valid JSON: it ${jsonErrorWhere(error)}`);
    }
    const parsed = configSchema.safeParse(json);
    if (!parsed.success) throw new Error('expected a JSON object');
    config = parsed.data;
  } catch (error) {
    throw new ModelSourceError(
      configFile,
      `cannot read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (config._class_name !== 'ControlNetModel') {
    throw new ModelSourceError(
      configFile,
      `is a ${config._class_name ?? 'model without _class_name'}, not a ControlNetModel (a ControlNet folder holds model.onnx and diffusers' config.json)`,
    );
  }
  const external = externalDataFiles(
    files.map((f) => `controlnet/${f}`),
    'controlnet',
  ).map((f) => f.slice('controlnet/'.length));
  const hash = async (file: string) => ({ file, sha256: await reader.sha256(file, signal) });
  const model = await hash('model.onnx');
  const externalData = await Promise.all(external.map(hash));
  const name = reader.label.split('/').filter(Boolean).at(-1) ?? 'controlnet';
  const component: ControlnetComponent = {
    ...model,
    ...(externalData.length ? { externalData } : {}),
    inputs: [],
    outputs: [],
    controlType: name,
    residuals: [],
  };
  const listed = [model, ...externalData];
  const sizes = new Map(
    await Promise.all(listed.map(async (f) => [f.file, await reader.size(f.file, signal)] as const)),
  );
  const blocks = config.block_out_channels?.length ?? 4;
  const models: ModelSet = {
    name,
    layout: 'controlnet-onnx',
    components: { controlnet: { [name]: component }, loras: {} },
    constants: {
      latentChannels: config.in_channels ?? 4,
      vaeFactor: 2 ** (blocks - 1),
      vaeScalingFactor: 0.18215,
      conditioningLength: 77,
      specialTokens: { bos: 0, eos: 0, pad: 0 },
      // 0: the control image is sized to the latent being sampled (times 8), as diffusers does.
      imageSize: 0,
    },
    scheduler: {},
    schedulerFile: 'config.json (a ControlNet has no scheduler)',
  };
  const id = listed.map((f) => `${f.sha256}  ${f.file}`).join('\n');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(id));
  const has = new Set(listed.map((f) => f.file));
  return {
    source,
    id: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''),
    models,
    readFile: (file) =>
      has.has(file)
        ? reader.readBytes(file)
        : Promise.reject(new Error(`${file} is not a file of ${reader.label}`)),
    fileSize: (file) => sizes.get(file),
    ...(reader.localPath
      ? { localPath: (file: string) => (has.has(file) ? reader.localPath!(file) : undefined) }
      : {}),
    ...(reader.readRange
      ? {
          readRange: (file: string, offset: number, length: number) =>
            has.has(file)
              ? reader.readRange!(file, offset, length)
              : Promise.reject(new Error(`${file} is not a file of ${reader.label}`)),
        }
      : {}),
  };
}
