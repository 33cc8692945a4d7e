import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type LimitName, parseLimitFlags } from '../core/limits';
import { CliError, EXIT } from './cli-error';

export const USAGE = `kosmograph — run kosmograph graphs headless

usage:
  kosmograph run <graph.json|image.png> [--out DIR] [--backend auto|cpu|wasm]
                 [--set NODE.PARAM=VALUE]... [--input NODE=FILE]... [--seed N] [--json]
                 [--allow-dir DIR]... [--allow-origin URL]... [--max-file-mb N] [--fetch-timeout S]
  kosmograph validate <graph.json|image.png>
  kosmograph import-comfy <workflow.json|image.png> [--out graph.json] [--checkpoints DIR]
                          [--controlnets DIR] [--loras DIR]
  kosmograph models inspect <folder|url> [--json] [--backend auto|cpu|wasm]
  kosmograph nodes [--json]
  kosmograph serve [--host 127.0.0.1] [--port 8188] [--redis URL] [--token T] [--models DIR]
                   [--allow-dir DIR]... [--allow-origin ORIGIN]... [--store DIR]
  kosmograph worker --redis URL [--concurrency N] [--backend auto|cpu|wasm] [--models DIR]
  kosmograph submit <graph.json|image.png> --server URL [--token T] [--seeds 1..100]
                    [--set NODE.PARAM=VALUE]... [--input NODE=FILE]... [--wait] [--out DIR]

a graph reads only files in its own folder (none for a PNG), --allow-dir folders, --input files
and paths typed in --set, and fetches only from --allow-origin origins (docs/security.md)

run, validate and import-comfy take --limit NAME=N... to change a resource limit (image-pixels,
png-chunk-bytes, png-total-bytes, sampler-steps, batch-pixels, tensor-elements, json-depth)

exit codes: 0 done, 1 a node failed, 2 invalid graph or arguments, 130 interrupted, 143 terminated`;

const backendSchema = z.enum(['auto', 'cpu', 'wasm']);
const seedSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

type LimitOverrides = Partial<Record<LimitName, number>>;

export type CliCommand =
  | {
      readonly command: 'run';
      readonly graphPath: string;
      readonly outDir: string;
      readonly backend: z.infer<typeof backendSchema>;
      readonly sets: readonly string[];
      readonly inputs: readonly string[];
      readonly seed?: number;
      readonly json: boolean;
      /** Folders the graph may read besides its own (`--allow-dir`). */
      readonly allowDirs?: readonly string[];
      /** http(s) origins the graph may fetch from (`--allow-origin`). */
      readonly allowOrigins?: readonly string[];
      /** Largest file or fetch a graph may read (`--max-file-mb`), in bytes. */
      readonly maxFileBytes?: number;
      /** A fetch fails after this long without data (`--fetch-timeout`, seconds), in ms. */
      readonly fetchTimeoutMs?: number;
      /** Resource limits changed with `--limit NAME=N` (src/core/limits.ts). */
      readonly limits?: LimitOverrides;
    }
  | {
      readonly command: 'validate';
      readonly graphPath: string;
      readonly json: boolean;
      readonly limits?: LimitOverrides;
    }
  | {
      readonly command: 'import-comfy';
      readonly limits?: LimitOverrides;
      readonly inputPath: string;
      readonly outPath?: string;
      /** A folder whose sub-folders are checkpoint folders: ckpt_name -> models.checkpoint. */
      readonly checkpointsDir?: string;
      /** A folder whose sub-folders are ControlNet folders: control_net_name -> models.controlnet. */
      readonly controlnetsDir?: string;
      /** A folder of LoRA .safetensors files: lora_name -> models.lora_file. */
      readonly lorasDir?: string;
    }
  | {
      readonly command: 'models-inspect';
      /** A model folder (pack or checkpoint), a URL, or `reference`. */
      readonly source: string;
      readonly backend: z.infer<typeof backendSchema>;
      readonly json: boolean;
    }
  | { readonly command: 'nodes'; readonly json: boolean }
  | { readonly command: 'help' };

const usageError = (message: string) =>
  new CliError(EXIT.invalid, [message, 'run `kosmograph --help` for usage']);

/** Parses argv (without node and script) into a command; bad arguments throw a CliError with exit 2. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>>;
  const options = {
    out: { type: 'string', short: 'o' },
    backend: { type: 'string' },
    set: { type: 'string', multiple: true },
    input: { type: 'string', multiple: true },
    seed: { type: 'string' },
    checkpoints: { type: 'string' },
    controlnets: { type: 'string' },
    loras: { type: 'string' },
    json: { type: 'boolean' },
    'allow-dir': { type: 'string', multiple: true },
    'allow-origin': { type: 'string', multiple: true },
    'max-file-mb': { type: 'string' },
    'fetch-timeout': { type: 'string' },
    limit: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  } as const;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' };
  const json = values.json ?? false;
  const parsedLimits = parseLimitFlags(values.limit ?? []);
  if ('error' in parsedLimits) throw usageError(parsedLimits.error);
  const limits = Object.keys(parsedLimits.overrides).length > 0 ? { limits: parsedLimits.overrides } : {};
  const onePath = () => {
    if (rest.length !== 1) throw usageError(`${command} takes exactly one graph file (.json or .png)`);
    return rest[0]!;
  };
  const backendOption = () => {
    const backend = backendSchema.safeParse(values.backend ?? 'auto');
    if (!backend.success) throw usageError(`--backend must be auto, cpu or wasm (got "${values.backend}")`);
    return backend.data;
  };
  switch (command) {
    case 'run': {
      const backend = backendOption();
      let seed: number | undefined;
      if (values.seed !== undefined) {
        const parsedSeed = seedSchema.safeParse(values.seed);
        if (!parsedSeed.success || values.seed.trim() === '') {
          throw usageError(
            `--seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER} (got "${values.seed}")`,
          );
        }
        seed = parsedSeed.data;
      }
      const positive = (flag: string, text: string | undefined) => {
        if (text === undefined) return undefined;
        const parsed = z.coerce.number().positive().finite().safeParse(text);
        if (!parsed.success || text.trim() === '')
          throw usageError(`${flag} must be a positive number (got "${text}")`);
        return parsed.data;
      };
      const maxFileMb = positive('--max-file-mb', values['max-file-mb']);
      const fetchTimeout = positive('--fetch-timeout', values['fetch-timeout']);
      return {
        command: 'run',
        graphPath: onePath(),
        outDir: values.out ?? 'output',
        backend,
        sets: values.set ?? [],
        inputs: values.input ?? [],
        ...(seed !== undefined ? { seed } : {}),
        json,
        allowDirs: values['allow-dir'] ?? [],
        allowOrigins: values['allow-origin'] ?? [],
        ...(maxFileMb !== undefined ? { maxFileBytes: Math.floor(maxFileMb * 1024 * 1024) } : {}),
        ...(fetchTimeout !== undefined ? { fetchTimeoutMs: Math.ceil(fetchTimeout * 1000) } : {}),
        ...limits,
      };
    }
    case 'validate':
      return { command: 'validate', graphPath: onePath(), json, ...limits };
    case 'import-comfy': {
      if (rest.length !== 1) throw usageError('import-comfy takes exactly one ComfyUI file (.json or .png)');
      return {
        command: 'import-comfy',
        inputPath: rest[0]!,
        ...(values.out !== undefined ? { outPath: values.out } : {}),
        ...(values.checkpoints !== undefined ? { checkpointsDir: values.checkpoints } : {}),
        ...(values.controlnets !== undefined ? { controlnetsDir: values.controlnets } : {}),
        ...(values.loras !== undefined ? { lorasDir: values.loras } : {}),
        ...limits,
      };
    }
    case 'models': {
      const [sub, ...sources] = rest;
      if (sub !== 'inspect')
        throw usageError(
          sub === undefined ? 'models needs a subcommand: inspect' : `unknown models subcommand "${sub}"`,
        );
      if (sources.length !== 1) throw usageError('models inspect takes exactly one model folder or URL');
      return { command: 'models-inspect', source: sources[0]!, backend: backendOption(), json };
    }
    case 'nodes':
      if (rest.length > 0) throw usageError('nodes takes no file');
      return { command: 'nodes', json };
    default:
      throw usageError(`unknown command "${command}"`);
  }
}
