import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GraphDocument } from '../core/document';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError, type ValidationIssue } from '../core/validation-error';
import { sniffImageFormat } from '../runtime/image/codec';
import { type FilePolicy, trustedFilePolicy } from '../runtime/node/file-policy';
import {
  type FilePolicyOptions,
  isHttpUrl,
  originOf,
  resolveSourcePath,
} from '../runtime/node/file-policy-rules';

/** Input images up to this size travel inside the saved PNG's graph; larger ones stay paths. */
export const MAX_INLINE_IMAGE_BYTES = 4 * 1024 * 1024;

/** An image the user supplied on the command line (`--input NODE=FILE`), already absolute. */
export interface UserInput {
  readonly nodeId: string;
  readonly param: string;
  readonly path: string;
}

export interface PolicyFromCommandLine {
  /** The graph came from a PNG (a shared image): its folder is not allowed by default. */
  readonly fromPng: boolean;
  /** The graph file's folder. */
  readonly baseDir: string;
  readonly allowDirs: readonly string[];
  readonly allowOrigins: readonly string[];
  readonly inputs: readonly UserInput[];
  /** `--set` values (paths resolve against the graph's folder, like the graph's own). */
  readonly setValues: readonly string[];
  readonly maxFileBytes?: number;
  readonly fetchTimeoutMs?: number;
}

/**
 * What `kosmograph run` lets a graph read: the graph's folder (not for a PNG), the `--allow-dir`
 * folders, the `--input` files, and the folders, files and URL origins the user typed in `--set`
 * values (a model folder named on the command line); http(s) only to `--allow-origin` origins
 * and those typed in `--set`.
 */
export function policyFromCommandLine(cli: PolicyFromCommandLine): FilePolicyOptions {
  const roots = [...(cli.fromPng ? [] : [cli.baseDir]), ...cli.allowDirs.map((d) => resolve(d))];
  const files = cli.inputs.map((i) => i.path);
  const origins: string[] = [];
  for (const origin of cli.allowOrigins) {
    try {
      origins.push(originOf(origin));
    } catch (error) {
      throw new GraphValidationError([
        { code: 'invalid_document', message: `--allow-origin "${origin}": ${(error as Error).message}` },
      ]);
    }
  }
  for (const value of cli.setValues) {
    if (isHttpUrl(value)) {
      origins.push(originOf(value));
      continue;
    }
    if (value === '' || value.startsWith('data:')) continue;
    const path = resolve(cli.baseDir, value);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) roots.push(path);
    else files.push(path);
  }
  return {
    roots,
    files,
    origins,
    ...(cli.maxFileBytes !== undefined
      ? { maxFileBytes: cli.maxFileBytes, maxFetchBytes: cli.maxFileBytes }
      : {}),
    ...(cli.fetchTimeoutMs !== undefined ? { fetchTimeoutMs: cli.fetchTimeoutMs } : {}),
    hint: 'allow a folder with --allow-dir DIR, an origin with --allow-origin URL, or give an image with --input NODE=FILE',
  };
}

/**
 * The graph as it will run: each image the user supplied with `--input` for a node that runs
 * becomes a data: URL (or stays an absolute path when large or not an image), so the graph
 * embedded in the PNGs it makes reproduces them on any machine. Paths the graph itself names are
 * never embedded: a shared graph must not carry a file's bytes out in the outputs. Missing or
 * unreadable files are reported here, naming the node and param.
 */
export async function embedUserInputs(
  graph: GraphDocument,
  inputs: readonly UserInput[],
  runs: ReadonlySet<string>,
  policy: FilePolicy,
  signal: AbortSignal,
): Promise<GraphDocument> {
  const issues: ValidationIssue[] = [];
  const values = new Map<string, string>();
  for (const input of inputs) {
    if (!runs.has(input.nodeId)) continue; // a node that feeds no output reads nothing
    let bytes: Uint8Array;
    try {
      bytes = await policy.readFile(input.path, signal);
    } catch (error) {
      signal.throwIfAborted();
      issues.push({
        code: 'invalid_document',
        nodeId: input.nodeId,
        param: input.param,
        message: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    const format = sniffImageFormat(bytes);
    values.set(
      `${input.nodeId}\0${input.param}`,
      format && bytes.length <= MAX_INLINE_IMAGE_BYTES
        ? `data:image/${format};base64,${Buffer.from(bytes).toString('base64')}`
        : input.path,
    );
  }
  if (issues.length > 0) throw new GraphValidationError(issues);
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const params = { ...node.params };
      let changed = false;
      for (const input of inputs) {
        const value = values.get(`${input.nodeId}\0${input.param}`);
        if (input.nodeId === node.id && value !== undefined) {
          params[input.param] = value;
          changed = true;
        }
      }
      return changed ? { ...node, params } : node;
    }),
  };
}

const isFilePath = (source: string) => source !== '' && !source.startsWith('data:') && !isHttpUrl(source);
const trusted = trustedFilePolicy();

/**
 * Every image param that names a local file becomes a data: URL (or an absolute path when
 * large). For hosts sending their own user's graph elsewhere (`kosmograph submit` sends its
 * inputs to a server that reads none of this machine's files); `kosmograph run` embeds only
 * what the user supplied (`embedUserInputs`). Reads regular files only. Missing files are
 * reported naming the node and param.
 */
export async function inlineImageFiles(
  graph: GraphDocument,
  baseDir: string,
  lookup: NodeSpecLookup,
  policy: Pick<FilePolicy, 'readFile'> = trusted,
): Promise<GraphDocument> {
  const issues: ValidationIssue[] = [];
  const nodes = await Promise.all(
    graph.nodes.map(async (node) => {
      const imageParams = lookup(node.type)?.params.filter((p) => p.kind === 'image') ?? [];
      const params = { ...node.params };
      for (const spec of imageParams) {
        const source = params[spec.name];
        if (typeof source !== 'string' || !isFilePath(source)) continue;
        const path = resolveSourcePath(source, baseDir);
        let bytes: Uint8Array;
        try {
          bytes = await policy.readFile(path);
        } catch (error) {
          issues.push({
            code: 'invalid_document',
            nodeId: node.id,
            param: spec.name,
            message: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        const format = sniffImageFormat(bytes);
        params[spec.name] =
          format && bytes.length <= MAX_INLINE_IMAGE_BYTES
            ? `data:image/${format};base64,${Buffer.from(bytes).toString('base64')}`
            : path;
      }
      return { ...node, params };
    }),
  );
  if (issues.length > 0) throw new GraphValidationError(issues);
  return { ...graph, nodes };
}
