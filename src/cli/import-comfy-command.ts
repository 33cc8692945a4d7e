import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { formatComfyReport, importComfy, REFERENCE_PACK_IMPORT } from '../core/comfy/index';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError } from '../core/validation-error';
import type { CliCommand } from './args';
import { writeFileAtomic } from './atomic-write';
import { CliError, EXIT } from './cli-error';

type ImportComfyCommand = Extract<CliCommand, { command: 'import-comfy' }>;

export interface ImportIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * The checkpoint folders of `dir` (its sub-folders holding model_index.json), by folder name, as
 * the `models.checkpoint` param: relative to `graphDir` where the graph is written to a file
 * (the graph and the models can move together), else absolute.
 */
export async function checkpointTable(dir: string, graphDir?: string): Promise<Record<string, string>> {
  const root = resolve(dir);
  let names: string[];
  try {
    if (!(await stat(root)).isDirectory())
      throw new CliError(EXIT.invalid, [`--checkpoints ${dir}: is a file, not a folder`]);
    names = (await readdir(root)).sort();
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(EXIT.invalid, [
      `--checkpoints ${dir}: ${code === 'ENOENT' ? 'folder not found' : 'cannot be read'}`,
    ]);
  }
  const table: Record<string, string> = {};
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const folder = join(root, name);
    const index = await stat(join(folder, 'model_index.json')).catch(() => undefined);
    if (!index?.isFile()) continue;
    if (graphDir === undefined) {
      table[name] = folder;
    } else {
      // `./` keeps a relative folder from reading as a name (a folder called "reference").
      const path = relative(graphDir, folder).split(sep).join('/');
      table[name] = path.startsWith('../') ? path : `./${path}`;
    }
  }
  return table;
}

/**
 * `kosmograph import-comfy <file> [--out graph.json] [--checkpoints DIR]`: converts a ComfyUI
 * API-format prompt, UI-format workflow or ComfyUI PNG for the reference pack; with
 * `--checkpoints`, checkpoint loaders whose ckpt_name names a checkpoint folder of DIR load that
 * folder (`models.checkpoint`). The graph goes to stdout (or to --out, whose path is then
 * printed), the conversion report to stderr. Bad input is a GraphValidationError (exit 2).
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
  let checkpoints: Record<string, string> | undefined;
  if (command.checkpointsDir !== undefined) {
    const graphDir = command.outPath === undefined ? undefined : dirname(resolve(command.outPath));
    checkpoints = await checkpointTable(command.checkpointsDir, graphDir);
    if (Object.keys(checkpoints).length === 0)
      io.stderr.write(
        `warning: --checkpoints ${command.checkpointsDir} holds no checkpoint folders (sub-folders with model_index.json)\n`,
      );
  }
  const options = { ...REFERENCE_PACK_IMPORT, name, ...(checkpoints ? { checkpoints } : {}) };
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
