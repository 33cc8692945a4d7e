import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createNodeRegistry } from '../../nodes/index';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import type { GraphDocument } from '../../src/core/document';
import { loadGraphDocument } from '../../src/core/load-document';
import type { Artifact, FileArtifact, ImageArtifact } from '../../src/core/node-definition';
import { applyParamAssignments } from '../../src/core/param-overrides';
import type { JobResult } from '../../src/engine/events';
import { Executor } from '../../src/engine/executor';
import type { BackendChoice } from '../../src/runtime/node/node-backends';
import { createNodeRuntime } from '../../src/runtime/node/node-runtime';
import type { RuntimeServices } from '../../src/runtime/services';

export const EXAMPLES_DIR = resolve('public/examples');
export const registry = createNodeRegistry();

export function loadExample(name: string): GraphDocument {
  const json: unknown = JSON.parse(readFileSync(join(EXAMPLES_DIR, `${name}.json`), 'utf8'));
  return loadGraphDocument(json, registry.lookup, `${name}.json`).graph;
}

/** Sets params as `--set` would: `{ 'sampler.seed': '3' }`. */
export function withParams(graph: GraphDocument, sets: Record<string, string>): GraphDocument {
  const assignments = Object.entries(sets).map(([key, value]) => {
    const [nodeId, param] = key.split('.') as [string, string];
    return { nodeId, param, value };
  });
  return applyParamAssignments(graph, assignments, registry.lookup);
}

/** One executor per backend, reused across tests like a long-lived worker. */
export async function exampleRunner(backend: BackendChoice) {
  const runtime = await createNodeRuntime(backend, EXAMPLES_DIR, { ensureReferencePack });
  const executor = new Executor<RuntimeServices>(registry, runtime.services);
  return {
    runtime,
    executor,
    async run(graph: GraphDocument): Promise<JobResult> {
      return executor.run(graph);
    },
  };
}

function artifactOf<K extends Artifact['kind']>(
  result: JobResult,
  nodeId: string,
  kind: K,
): Extract<Artifact, { kind: K }> {
  const found = result.artifacts.find((a) => a.nodeId === nodeId);
  if (!found) throw new Error(`no output from ${nodeId}: ${result.status} ${result.error?.message ?? ''}`);
  if (found.artifact.kind !== kind) throw new Error(`${nodeId} made a ${found.artifact.kind}, not a ${kind}`);
  return found.artifact as Extract<Artifact, { kind: K }>;
}

/** The image a Save Image (or Preview) node made. */
export function savedImage(result: JobResult, nodeId = 'save'): ImageArtifact {
  return artifactOf(result, nodeId, 'image');
}

/** The file a file-saving node (e.g. Save Latent) made. */
export function savedFile(result: JobResult, nodeId: string): FileArtifact {
  return artifactOf(result, nodeId, 'file');
}
