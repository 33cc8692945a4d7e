import { dirname, join, resolve } from 'node:path';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { createNodeEngineClient } from '../../workers/engine-client-node';
import type { GraphDocument } from '../core/document';
import type { NodeRegistry } from '../core/node-definition';
import { applyParamAssignments, applySeed, imageParamOf, parseAssignment } from '../core/param-overrides';
import { plainText } from '../core/plain-text';
import { validateGraph } from '../core/validate';
import { GraphValidationError } from '../core/validation-error';
import type { EngineApi } from '../engine/engine-api';
import { createEngineService } from '../engine/engine-service';
import type { EngineEvent, JobResult } from '../engine/events';
import type { BackendChoice } from '../runtime/node/node-backends';
import { createNodeRuntime } from '../runtime/node/node-runtime';
import type { RuntimeServices } from '../runtime/services';
import type { CliCommand } from './args';
import { writeFileAtomic } from './atomic-write';
import { CliError, EXIT } from './cli-error';
import { readGraphFile } from './graph-file';
import { inlineImageFiles } from './portable-inputs';
import { createProgressBar } from './progress-bar';
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
) => Promise<CliEngine>;

/**
 * The default: the engine in a `worker_threads` worker (the same engine the
 * browser runs in its worker). The worker has its own registry of the shipped nodes.
 */
export const workerEngine: CliEngineFactory = async (backend, baseDir) => {
  const client = createNodeEngineClient({ backend, baseDir });
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
export const inProcessEngine: CliEngineFactory = async (backend, baseDir, registry) => {
  const runtime = await createNodeRuntime(backend, baseDir, { ensureReferencePack });
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

/** `name.ext` as `name-suffix.ext` (or `name-suffix` without an extension). */
function withSuffix(fileName: string, suffix: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? `${fileName.slice(0, dot)}-${suffix}${fileName.slice(dot)}` : `${fileName}-${suffix}`;
}

/**
 * Files to write: saved PNGs (previews have none) and file artifacts, each under its own
 * name, with the node id added where two would collide.
 */
function outputPaths(result: JobResult, outDir: string): { path: string; bytes: Uint8Array }[] {
  const saved = result.artifacts.flatMap(({ nodeId, artifact }) => {
    const bytes = artifact.kind === 'file' ? artifact.bytes : artifact.png;
    return bytes ? [{ nodeId, fileName: artifact.fileName, bytes }] : [];
  });
  const counts = new Map<string, number>();
  for (const { fileName } of saved) counts.set(fileName, (counts.get(fileName) ?? 0) + 1);
  return saved.map(({ nodeId, fileName, bytes }) => {
    const name = counts.get(fileName)! > 1 ? withSuffix(fileName, nodeId) : fileName;
    return { path: join(outDir, name), bytes };
  });
}

/**
 * `kosmograph run`: load, override, validate, run (in a worker thread by
 * default), and write outputs only when the whole job succeeded (each file
 * atomically). SIGINT cancels the job in the worker: nothing is written and
 * the exit code is 130.
 */
export async function runCommand(
  command: RunCommand,
  registry: NodeRegistry<RuntimeServices>,
  io: CliIo,
  createEngine: CliEngineFactory = workerEngine,
): Promise<number> {
  const loaded = await readGraphFile(command.graphPath, registry.lookup);
  for (const warning of loaded.warnings) io.stderr.write(`warning: ${plainText(warning)}\n`);
  const baseDir = dirname(resolve(command.graphPath));
  const overridden = applyCommandLine(loaded.graph, command, registry);
  const issues = validateGraph(overridden, registry.lookup);
  if (issues.length > 0) throw new GraphValidationError(issues);
  const graph = await inlineImageFiles(overridden, baseDir, registry.lookup);

  const { engine, note, dispose } = await createEngine(command.backend, baseDir, registry);
  if (note) io.stderr.write(`note: ${note}\n`);
  const jobId = `cli-${process.pid}-${Date.now().toString(36)}`;
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    io.stderr.write('\ninterrupted: cancelling the job (press Ctrl+C again to quit at once)\n');
    void engine.cancel(jobId);
  };
  process.on('SIGINT', onSigint);
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
    process.off('SIGINT', onSigint);
    dispose();
  }

  if (result.status === 'cancelled') {
    if (command.json)
      io.stdout.write(`${JSON.stringify({ type: 'result', status: 'cancelled', outputs: [] })}\n`);
    else io.stderr.write('cancelled; no files written\n');
    return EXIT.interrupted;
  }
  if (result.status === 'failed') {
    const message = result.error?.nodeId
      ? `node "${result.error.nodeId}" failed: ${result.error.message}`
      : (result.error?.message ?? 'failed');
    if (command.json)
      io.stdout.write(`${JSON.stringify({ type: 'result', status: 'failed', error: result.error })}\n`);
    throw new CliError(EXIT.runtimeFailure, [message]);
  }
  const outputs = outputPaths(result, command.outDir);
  for (const { path, bytes } of outputs) await writeFileAtomic(path, bytes);
  if (command.json) {
    io.stdout.write(
      `${JSON.stringify({ type: 'result', status: 'done', outputs: outputs.map((o) => o.path) })}\n`,
    );
  } else {
    for (const { path } of outputs) io.stdout.write(`${path}\n`);
  }
  return EXIT.ok;
}
