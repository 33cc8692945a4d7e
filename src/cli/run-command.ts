import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { filePrefixParam } from '../../nodes/save-image';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { createNodeEngineClient } from '../../workers/engine-client-node';
import type { GraphDocument } from '../core/document';
import { indexGraph } from '../core/graph-index';
import type { NodeRegistry } from '../core/node-definition';
import { applyParamAssignments, applySeed, imageParamOf, parseAssignment } from '../core/param-overrides';
import { plainText } from '../core/plain-text';
import { upstreamClosure } from '../core/topology';
import { outputNodeIds, validateGraph } from '../core/validate';
import { resolveParams } from '../core/validate-params';
import { GraphValidationError, type ValidationIssue } from '../core/validation-error';
import type { EngineApi } from '../engine/engine-api';
import { createEngineService } from '../engine/engine-service';
import type { EngineEvent, JobResult } from '../engine/events';
import { createFilePolicy } from '../runtime/node/file-policy';
import type { FilePolicyOptions } from '../runtime/node/file-policy-rules';
import type { BackendChoice } from '../runtime/node/node-backends';
import { createNodeRuntime } from '../runtime/node/node-runtime';
import type { RuntimeServices } from '../runtime/services';
import type { CliCommand } from './args';
import { CliError, EXIT } from './cli-error';
import { readGraphFile } from './graph-file';
import { finalOutputNames, type OutputSet, type PlannedOutput, prepareOutputSet } from './output-set';
import { embedUserInputs, policyFromCommandLine, type UserInput } from './portable-inputs';
import { createProgressBar } from './progress-bar';
import { installRunSignals } from './run-signals';
import { warningLine } from './warning-line';

type RunCommand = Extract<CliCommand, { command: 'run' }>;

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** Where a CLI job runs: an engine, the backend note to show, and how to stop it afterwards. */
export interface CliEngine {
  readonly engine: EngineApi;
  /** A backend fallback the user should know about. */
  readonly note?: string;
  dispose(): void;
}

export type CliEngineFactory = (
  backend: BackendChoice,
  baseDir: string,
  registry: NodeRegistry<RuntimeServices>,
  /**
   * What the graph may read (file-policy.ts); plain data, so it crosses to the worker. Without
   * it every local path and origin may be read: hosts running shared graphs pass one.
   */
  policy?: FilePolicyOptions,
) => Promise<CliEngine>;

/**
 * The default: the engine in a `worker_threads` worker (the same engine the
 * browser runs in its worker). The worker has its own registry of the shipped nodes.
 */
export const workerEngine: CliEngineFactory = async (backend, baseDir, _registry, policy) => {
  const client = createNodeEngineClient({ backend, baseDir, ...(policy ? { policy } : {}) });
  try {
    const status = await client.status(); // starts the worker and chooses the backend
    return {
      engine: client,
      ...(status.fallbackReason ? { note: status.fallbackReason } : {}),
      dispose: () => client.dispose(),
    };
  } catch (error) {
    client.dispose();
    throw error;
  }
};

/** The engine in this thread, over `registry` (for tests with extra node kinds). */
export const inProcessEngine: CliEngineFactory = async (backend, baseDir, registry, policy) => {
  const runtime = await createNodeRuntime(backend, baseDir, {
    ensureReferencePack,
    ...(policy ? { policy: createFilePolicy(policy) } : {}),
  });
  const info = {
    backend: runtime.backend === 'wasm' ? ('wasm' as const) : ('cpu' as const),
    ...(runtime.note ? { fallbackReason: runtime.note } : {}),
  };
  return {
    engine: createEngineService(registry, runtime.services, () => info),
    ...(runtime.note ? { note: runtime.note } : {}),
    dispose: () => undefined,
  };
};

/** Applies --input, --set and --seed (in that order) to the loaded graph. */
export function applyCommandLine(
  graph: GraphDocument,
  command: Pick<RunCommand, 'inputs' | 'sets' | 'seed'>,
  registry: NodeRegistry<unknown>,
): GraphDocument {
  const assignments = [
    ...command.inputs.map((text) => {
      const eq = text.indexOf('=');
      if (eq <= 0) {
        throw new GraphValidationError([
          { code: 'invalid_document', message: `--input "${text}" must look like NODE=FILE` },
        ]);
      }
      const nodeId = text.slice(0, eq);
      return {
        nodeId,
        param: imageParamOf(graph, nodeId, registry.lookup),
        value: resolve(text.slice(eq + 1)),
      };
    }),
    ...command.sets.map((text) => parseAssignment(text, '--set')),
  ];
  const assigned = applyParamAssignments(graph, assignments, registry.lookup);
  return command.seed === undefined ? assigned : applySeed(assigned, command.seed, registry.lookup);
}

/** Event as a JSON line: artifacts go without pixels or bytes, previews as their size only. */
function eventForJson(event: EngineEvent): unknown {
  if (event.type === 'node:output') {
    const { artifact } = event;
    return {
      ...event,
      artifact:
        artifact.kind === 'file'
          ? {
              kind: artifact.kind,
              fileName: artifact.fileName,
              mediaType: artifact.mediaType,
              bytes: artifact.bytes.length,
            }
          : {
              kind: artifact.kind,
              fileName: artifact.fileName,
              width: artifact.image.width,
              height: artifact.image.height,
            },
    };
  }
  if (event.type === 'node:progress' && event.preview) {
    return { ...event, preview: { width: event.preview.width, height: event.preview.height } };
  }
  return event;
}

/** Node types that write a file, by the extension they add to `filename_prefix`. */
const SAVED_EXTENSIONS: Readonly<Record<string, string>> = { 'image.save': '.png', 'latent.save': '.latent' };

/**
 * The files the job will write, named before it runs: each save node that runs, with its
 * `filename_prefix` checked; colliding names get the node id, and what still collides is refused.
 */
export function plannedOutputs(
  graph: GraphDocument,
  runs: ReadonlySet<string>,
  registry: NodeRegistry<RuntimeServices>,
): PlannedOutput[] {
  const wanted: PlannedOutput[] = [];
  const issues: ValidationIssue[] = [];
  for (const node of graph.nodes) {
    const extension = SAVED_EXTENSIONS[node.type];
    const definition = registry.get(node.type);
    if (!runs.has(node.id) || extension === undefined || !definition) continue;
    try {
      wanted.push({
        nodeId: node.id,
        fileName: `${filePrefixParam(resolveParams(definition, node.params))}${extension}`,
      });
    } catch (error) {
      issues.push({
        code: 'param_wrong_type',
        nodeId: node.id,
        param: 'filename_prefix',
        message: (error as Error).message,
      });
    }
  }
  if (issues.length > 0) throw new GraphValidationError(issues);
  return finalOutputNames(wanted);
}

/**
 * The job's files under the names decided before it ran: saved PNGs (previews have none) and
 * file artifacts. A node kind not named in advance gets its own name, checked again for collisions.
 */
function outputFiles(
  result: JobResult,
  planned: readonly PlannedOutput[],
): { fileName: string; bytes: Uint8Array }[] {
  const byNode = new Map(planned.map((p) => [p.nodeId, p.fileName]));
  const saved = result.artifacts.flatMap(({ nodeId, artifact }) => {
    const bytes = artifact.kind === 'file' ? artifact.bytes : artifact.png;
    return bytes ? [{ nodeId, fileName: byNode.get(nodeId) ?? artifact.fileName, bytes }] : [];
  });
  const names = finalOutputNames(saved.map(({ nodeId, fileName }) => ({ nodeId, fileName })));
  return saved.map((file, i) => ({ fileName: names[i]!.fileName, bytes: file.bytes }));
}

/** Whether a graph file is a PNG (by extension or signature), whose folder a graph may not read. */
async function isPngFile(path: string): Promise<boolean> {
  if (/\.png$/i.test(path)) return true;
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = new Uint8Array(2);
    await handle.read(head, 0, 2, 0);
    return head[0] === 0x89 && head[1] === 0x50;
  } finally {
    await handle.close();
  }
}

/**
 * `--set` values that may name a file, folder or URL the user means to allow: image params and
 * one-line string params (a model folder, a LoRA file), never prompts (multi-line text).
 */
function pathLikeSetValues(
  graph: GraphDocument,
  sets: readonly string[],
  registry: NodeRegistry<RuntimeServices>,
): string[] {
  return sets.flatMap((text) => {
    const { nodeId, param, value } = parseAssignment(text, '--set');
    const type = graph.nodes.find((n) => n.id === nodeId)?.type;
    const spec = type ? registry.lookup(type)?.params.find((p) => p.name === param) : undefined;
    const pathLike = spec?.kind === 'image' || (spec?.kind === 'string' && !spec.multiline);
    return pathLike ? [value] : [];
  });
}

/** The `--input NODE=FILE` images as absolute paths with the param they set. */
function userInputs(
  graph: GraphDocument,
  inputs: readonly string[],
  registry: NodeRegistry<RuntimeServices>,
): UserInput[] {
  return inputs.map((text) => {
    const eq = text.indexOf('=');
    const nodeId = text.slice(0, eq);
    return { nodeId, param: imageParamOf(graph, nodeId, registry.lookup), path: resolve(text.slice(eq + 1)) };
  });
}

/**
 * `kosmograph run`: load, override, validate, decide the output names, check `--out`, run (in
 * a worker thread by default) under the file policy built from the command line, and publish
 * the outputs as a set only when the whole job succeeded. SIGINT / SIGTERM cancel the job in
 * the worker: nothing is written and the exit code is 130 / 143.
 */
export async function runCommand(
  command: RunCommand,
  registry: NodeRegistry<RuntimeServices>,
  io: CliIo,
  createEngine: CliEngineFactory = workerEngine,
): Promise<number> {
  const signals = installRunSignals(io.stderr);
  let outputs: OutputSet | undefined;
  try {
    return await runWithSignals(command, registry, io, createEngine, signals, (set) => {
      outputs = set;
      signals.onForcedExit(() => set.discard());
    });
  } finally {
    outputs?.discard();
    signals.dispose();
  }
}

async function runWithSignals(
  command: RunCommand,
  registry: NodeRegistry<RuntimeServices>,
  io: CliIo,
  createEngine: CliEngineFactory,
  signals: ReturnType<typeof installRunSignals>,
  prepared: (set: OutputSet) => void,
): Promise<number> {
  const cancelled = (code: number) => {
    if (command.json)
      io.stdout.write(`${JSON.stringify({ type: 'result', status: 'cancelled', outputs: [] })}\n`);
    else io.stderr.write('cancelled; no files written\n');
    return code;
  };
  const loaded = await readGraphFile(command.graphPath, registry.lookup);
  for (const warning of loaded.warnings) io.stderr.write(`warning: ${plainText(warning)}\n`);
  const baseDir = dirname(resolve(command.graphPath));
  const overridden = applyCommandLine(loaded.graph, command, registry);
  const issues = validateGraph(overridden, registry.lookup);
  if (issues.length > 0) throw new GraphValidationError(issues);
  const runs = upstreamClosure(indexGraph(overridden), outputNodeIds(overridden, registry.lookup));
  const inputs = userInputs(overridden, command.inputs, registry);
  const policyOptions = policyFromCommandLine({
    fromPng: await isPngFile(command.graphPath),
    baseDir,
    allowDirs: command.allowDirs ?? [],
    allowOrigins: command.allowOrigins ?? [],
    inputs,
    setValues: pathLikeSetValues(overridden, command.sets, registry),
    ...(command.maxFileBytes !== undefined ? { maxFileBytes: command.maxFileBytes } : {}),
    ...(command.fetchTimeoutMs !== undefined ? { fetchTimeoutMs: command.fetchTimeoutMs } : {}),
  });
  const planned = plannedOutputs(overridden, runs, registry);
  let graph: GraphDocument;
  try {
    graph = await embedUserInputs(overridden, inputs, runs, createFilePolicy(policyOptions), signals.signal);
  } catch (error) {
    if (signals.exitCode !== undefined) return cancelled(signals.exitCode);
    throw error;
  }
  const outputSet = await prepareOutputSet(command.outDir);
  prepared(outputSet);
  if (signals.exitCode !== undefined) return cancelled(signals.exitCode);

  const { engine, note, dispose } = await createEngine(command.backend, baseDir, registry, policyOptions);
  if (note) io.stderr.write(`note: ${note}\n`);
  const jobId = `cli-${process.pid}-${Date.now().toString(36)}`;
  signals.onCancel(() => void engine.cancel(jobId));
  const progress = createProgressBar(io.stderr);
  let result: JobResult;
  try {
    result = await engine.run(graph, { jobId }, (event) => {
      if (event.type === 'node:warning') {
        const clearBar = io.stderr.isTTY && !command.json ? '\r\x1b[2K' : '';
        io.stderr.write(`${clearBar}${warningLine(event.nodeId, event.message)}`);
      }
      if (command.json) io.stdout.write(`${JSON.stringify(eventForJson(event))}\n`);
      else progress(event);
    });
  } finally {
    dispose();
  }

  // A signal wins over whatever the job ended with (a fetch cut by the cancel fails its node).
  if (signals.exitCode !== undefined) return cancelled(signals.exitCode);
  if (result.status === 'cancelled') return cancelled(EXIT.interrupted);
  if (result.status === 'failed') {
    const message = result.error?.nodeId
      ? `node "${result.error.nodeId}" failed: ${result.error.message}`
      : (result.error?.message ?? 'failed');
    if (command.json)
      io.stdout.write(`${JSON.stringify({ type: 'result', status: 'failed', error: result.error })}\n`);
    // Refused before any node ran (the pre-flight against the models): an invalid graph, exit 2.
    if (result.error?.issues && result.error.issues.length > 0)
      throw new GraphValidationError(result.error.issues);
    throw new CliError(EXIT.runtimeFailure, [message]);
  }
  let paths: string[];
  try {
    paths = await outputSet.publish(outputFiles(result, planned));
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(EXIT.runtimeFailure, [
      `cannot write the outputs into ${command.outDir} (${code === 'ENOSPC' ? 'the disk is full' : (code ?? String(error))}); none were written`,
    ]);
  }
  if (signals.exitCode !== undefined) return cancelled(signals.exitCode);
  if (command.json) {
    io.stdout.write(`${JSON.stringify({ type: 'result', status: 'done', outputs: paths })}\n`);
  } else {
    for (const path of paths) io.stdout.write(`${path}\n`);
  }
  return EXIT.ok;
}
