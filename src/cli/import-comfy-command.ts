import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { formatComfyReport, importComfy, REFERENCE_PACK_IMPORT } from '../core/comfy/index';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError } from '../core/validation-error';
import type { CliCommand } from './args';
import { writeFileAtomic } from './atomic-write';
import { EXIT } from './cli-error';

type ImportComfyCommand = Extract<CliCommand, { command: 'import-comfy' }>;

export interface ImportIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * `kosmograph import-comfy <file> [--out graph.json]`: converts a ComfyUI
 * API-format prompt, UI-format workflow or ComfyUI PNG for the reference pack.
 * The graph goes to stdout (or to --out, whose path is then printed), the
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
  const result = importComfy(bytes, { ...REFERENCE_PACK_IMPORT, name }, lookup, inputPath);
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
