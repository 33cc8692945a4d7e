import type { GraphDocument } from '../core/document';
import type { EngineApi } from '../engine/engine-api';
import type { EngineEvent, JobResult } from '../engine/events';
import type { JobError, JobOutput } from './job-model';
import type { OutputStore } from './output-store';

export type JobOutcome =
  | { readonly status: 'done'; readonly outputs: JobOutput[]; readonly ms: number }
  | { readonly status: 'failed'; readonly error: JobError }
  | { readonly status: 'cancelled' };

const mediaTypeOf = (fileName: string) =>
  fileName.toLowerCase().endsWith('.png') ? 'image/png' : 'application/octet-stream';

/** A name safe in a URL path segment and on any file system. */
const safeName = (name: string) => name.replace(/[^A-Za-z0-9._ -]/g, '_').slice(0, 200) || 'output';

function withSuffix(fileName: string, suffix: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? `${fileName.slice(0, dot)}-${suffix}${fileName.slice(dot)}` : `${fileName}-${suffix}`;
}

/** The files a finished job made, named as `kosmograph run` names them (node id added on a clash). */
export function jobFiles(
  result: JobResult,
): { nodeId: string; name: string; mediaType: string; bytes: Uint8Array }[] {
  const saved = result.artifacts.flatMap(({ nodeId, artifact }) => {
    if (artifact.kind === 'file')
      return [{ nodeId, fileName: artifact.fileName, mediaType: artifact.mediaType, bytes: artifact.bytes }];
    return artifact.png
      ? [
          {
            nodeId,
            fileName: artifact.fileName,
            mediaType: mediaTypeOf(artifact.fileName),
            bytes: artifact.png,
          },
        ]
      : [];
  });
  const counts = new Map<string, number>();
  for (const { fileName } of saved) counts.set(fileName, (counts.get(fileName) ?? 0) + 1);
  return saved.map(({ nodeId, fileName, mediaType, bytes }) => ({
    nodeId,
    mediaType,
    bytes,
    name: safeName(counts.get(fileName)! > 1 ? withSuffix(fileName, nodeId) : fileName),
  }));
}

/**
 * Runs one job on an engine and, only when the whole job succeeded, stores its outputs
 * (content-addressed, each write atomic). A store failure throws: that is the host's failure,
 * not the graph's, and the queue retries it.
 */
export async function runJob(
  engine: EngineApi,
  graph: GraphDocument,
  jobId: string,
  store: OutputStore,
  onEvent: (event: EngineEvent) => unknown,
): Promise<JobOutcome> {
  const start = performance.now();
  const result = await engine.run(graph, { jobId }, onEvent);
  if (result.status === 'cancelled') return { status: 'cancelled' };
  if (result.status === 'failed') {
    const { nodeId, message, issues } = result.error ?? { message: 'failed' };
    return {
      status: 'failed',
      error: { message, ...(nodeId ? { nodeId } : {}), ...(issues ? { issues: [...issues] } : {}) },
    };
  }
  const outputs: JobOutput[] = [];
  for (const file of jobFiles(result)) {
    const sha256 = await store.put(file.bytes);
    outputs.push({
      name: file.name,
      nodeId: file.nodeId,
      mediaType: file.mediaType,
      size: file.bytes.length,
      sha256,
    });
  }
  return { status: 'done', outputs, ms: performance.now() - start };
}
