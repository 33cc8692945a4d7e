import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { formatComfyReport, importComfy, REFERENCE_PACK_IMPORT } from '../core/comfy/index';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError } from '../core/validation-error';
import type { CliCommand } from './args';
import { writeFileAtomic } from './atomic-write';
import { CliError, EXIT } from './cli-error';

/**
 * The import-comfy command; `controlnetsDir` and `lorasDir` (`--controlnets`, `--loras`) are
 * spelled out here so this file reads them whichever way args.ts declares them.
 */
type ImportComfyCommand = Extract<CliCommand, { command: 'import-comfy' }> & {
  /** A folder whose sub-folders are ControlNet folders: control_net_name -> models.controlnet. */
  readonly controlnetsDir?: string;
  /** A folder of LoRA .safetensors files: lora_name -> models.lora_file. */
  readonly lorasDir?: string;
};

export interface ImportIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** What one `--checkpoints` / `--controlnets` / `--loras` folder holds, and how its entries are named. */
interface ModelTableKind {
  readonly flag: string;
  /** For the warning when DIR holds none. */
  readonly what: string;
  /** The table key of an entry of DIR, or undefined when it is not one of these models. */
  entry(path: string, name: string): Promise<string | undefined>;
}

const isFile = async (path: string) => (await stat(path).catch(() => undefined))?.isFile() === true;

const CHECKPOINTS: ModelTableKind = {
  flag: '--checkpoints',
  what: 'no checkpoint folders (sub-folders with model_index.json)',
  entry: async (path, name) => ((await isFile(join(path, 'model_index.json'))) ? name : undefined),
};

const CONTROLNETS: ModelTableKind = {
  flag: '--controlnets',
  what: 'no ControlNet folders (sub-folders with model.onnx and config.json)',
  entry: async (path, name) =>
    (await isFile(join(path, 'model.onnx'))) && (await isFile(join(path, 'config.json'))) ? name : undefined,
};

const SAFETENSORS = /\.safetensors$/i;
const LORAS: ModelTableKind = {
  flag: '--loras',
  what: 'no LoRA files (*.safetensors)',
  // Named without the extension, so `x.safetensors`, `styles/x.safetensors` and `x` all match.
  entry: async (path, name) =>
    SAFETENSORS.test(name) && (await isFile(path)) ? name.replace(SAFETENSORS, '') : undefined,
};

/**
 * The models of `dir` of one kind, by name, as the params that load them: relative to `graphDir`
 * where the graph is written to a file (the graph and the models can move together), else
 * absolute.
 */
async function modelTable(
  kind: ModelTableKind,
  dir: string,
  graphDir?: string,
): Promise<Record<string, string>> {
  const root = resolve(dir);
  let names: string[];
  try {
    if (!(await stat(root)).isDirectory())
      throw new CliError(EXIT.invalid, [`${kind.flag} ${dir}: is a file, not a folder`]);
    names = (await readdir(root)).sort();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(EXIT.invalid, [
      `${kind.flag} ${dir}: ${code === 'ENOENT' ? 'folder not found' : 'cannot be read'}`,
    ]);
  }
  const table: Record<string, string> = {};
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const path = join(root, name);
    const key = await kind.entry(path, name);
    if (key === undefined || Object.hasOwn(table, key)) continue;
    if (graphDir === undefined) {
      table[key] = path;
    } else {
      // `./` keeps a relative folder from reading as a name (a folder called "reference").
      const relativePath = relative(graphDir, path).split(sep).join('/');
      table[key] = relativePath.startsWith('../') ? relativePath : `./${relativePath}`;
    }
  }
  return table;
}

/** The checkpoint folders of `dir` (its sub-folders holding model_index.json), by folder name. */
export function checkpointTable(dir: string, graphDir?: string): Promise<Record<string, string>> {
  return modelTable(CHECKPOINTS, dir, graphDir);
}

/** The ControlNet folders of `dir` (its sub-folders holding model.onnx and config.json), by folder name. */
export function controlnetTable(dir: string, graphDir?: string): Promise<Record<string, string>> {
  return modelTable(CONTROLNETS, dir, graphDir);
}

/** The LoRA files of `dir` (`*.safetensors`), by file name without the extension. */
export function loraTable(dir: string, graphDir?: string): Promise<Record<string, string>> {
  return modelTable(LORAS, dir, graphDir);
}

/**
 * `kosmograph import-comfy <file> [--out graph.json] [--checkpoints DIR] [--controlnets DIR]
 * [--loras DIR]`: converts a ComfyUI API-format prompt, UI-format workflow or ComfyUI PNG for the
 * reference pack; with `--checkpoints`, checkpoint loaders whose ckpt_name names a checkpoint
 * folder of DIR load that folder (`models.checkpoint`); with `--controlnets`, ControlNet loaders
 * whose control_net_name names a ControlNet folder of DIR open it (`models.controlnet` `folder`);
 * with `--loras`, LoRA loaders whose lora_name names a `.safetensors` file of DIR load it
 * (`models.lora_file`). The graph goes to stdout (or to --out, whose path is then printed), the
 * conversion report to stderr. Bad input is a GraphValidationError (exit 2).
 */
export async function importComfyCommand(
  command: ImportComfyCommand,
  lookup: NodeSpecLookup,
  io: ImportIo,
): Promise<number> {
  const { inputPath } = command;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(inputPath));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder' : 'cannot be read';
    throw new GraphValidationError([{ code: 'invalid_document', message: reason }], inputPath);
  }
  const name = basename(inputPath).replace(/\.(json|png)$/i, '');
  const graphDir = command.outPath === undefined ? undefined : dirname(resolve(command.outPath));
  const tableOf = async (kind: ModelTableKind, dir: string | undefined) => {
    if (dir === undefined) return undefined;
    const table = await modelTable(kind, dir, graphDir);
    if (Object.keys(table).length === 0) io.stderr.write(`warning: ${kind.flag} ${dir} holds ${kind.what}\n`);
    return table;
  };
  const checkpoints = await tableOf(CHECKPOINTS, command.checkpointsDir);
  const controlnets = await tableOf(CONTROLNETS, command.controlnetsDir);
  const loras = await tableOf(LORAS, command.lorasDir);
  const options = {
    ...REFERENCE_PACK_IMPORT,
    name,
    ...(checkpoints ? { checkpoints } : {}),
    ...(controlnets ? { controlnets } : {}),
    ...(loras ? { loras } : {}),
  };
  const result = importComfy(bytes, options, lookup, inputPath);
  for (const line of formatComfyReport(result)) io.stderr.write(`${line}\n`);
  const text = `${JSON.stringify(result.graph, null, 2)}\n`;
  if (command.outPath === undefined) {
    io.stdout.write(text);
  } else {
    await writeFileAtomic(resolve(command.outPath), new TextEncoder().encode(text));
    io.stdout.write(`${command.outPath}\n`);
  }
  return EXIT.ok;
}
