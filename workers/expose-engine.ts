import * as Comlink from 'comlink';
import { z } from 'zod';
import type { Artifact } from '../src/core/node-definition';
import type { EngineApi, EngineRunOptions, PackLoadProgress } from '../src/engine/engine-api';
import type { EngineEvent, JobResult } from '../src/engine/events';

/**
 * A copy of an artifact whose pixel, PNG and file buffers belong to it alone, so
 * they can be transferred (the executor's cache keeps the originals).
 */
function detachArtifact(artifact: Artifact, transfers: ArrayBuffer[]): Artifact {
  if (artifact.kind === 'file') {
    const bytes = artifact.bytes.slice();
    transfers.push(bytes.buffer);
    return { ...artifact, bytes };
  }
  const data = artifact.image.data.slice();
  transfers.push(data.buffer);
  const png = artifact.png?.slice();
  if (png) transfers.push(png.buffer);
  return { ...artifact, image: { ...artifact.image, data }, ...(png ? { png } : {}) };
}

/** An event ready to cross: previews and artifacts as transferred ArrayBuffers. */
export function transferableEvent(event: EngineEvent): EngineEvent {
  const transfers: ArrayBuffer[] = [];
  let value = event;
  if (event.type === 'node:progress' && event.preview) {
    const data = event.preview.data.slice();
    transfers.push(data.buffer);
    value = { ...event, preview: { ...event.preview, data } };
  } else if (event.type === 'node:output') {
    value = { ...event, artifact: detachArtifact(event.artifact, transfers) };
  }
  return transfers.length > 0 ? Comlink.transfer(value, transfers) : value;
}

export function transferableResult(result: JobResult): JobResult {
  if (result.artifacts.length === 0) return result;
  const transfers: ArrayBuffer[] = [];
  const artifacts = result.artifacts.map(({ nodeId, artifact }) => ({
    nodeId,
    artifact: detachArtifact(artifact, transfers),
  }));
  return Comlink.transfer({ ...result, artifacts }, transfers);
}

/** What `loadPack` / `loadPackFiles` accept from the page: checked at the worker's edge. */
export const packSourceSchema = z.string().max(8192);
export const packFilesSchema = z.object({
  /** The picked folder's name (`folder:<name>` afterwards). */
  name: z.string().min(1).max(255),
  files: z
    .array(
      z.object({
        path: z.string().min(1).max(4096),
        data: z.instanceof(Blob),
        lastModified: z.number().optional(),
      }),
    )
    .min(1, 'the chosen folder is empty')
    .max(100_000),
});

function checked<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${what}: ${issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid'}`);
}

type Releasable = { [Comlink.releaseProxy]?: () => void };

function release(callback: unknown): void {
  (callback as Releasable)[Comlink.releaseProxy]?.();
}

/**
 * Runs a pack load whose progress goes to a comlink callback. Progress travels
 * on the callback's own port, so (as for `run`) the result waits until the
 * caller has every progress event; the proxy is released at the end.
 */
async function withDeliveredProgress<T>(
  onProgress: ((progress: PackLoadProgress) => void) | undefined,
  load: (report: (progress: PackLoadProgress) => void) => Promise<T>,
): Promise<T> {
  const delivered: Promise<unknown>[] = [];
  try {
    const result = await load((progress) => {
      delivered.push(Promise.resolve(onProgress?.(progress)).catch(() => undefined));
    });
    await Promise.all(delivered);
    return result;
  } finally {
    if (onProgress) release(onProgress);
  }
}

/**
 * Exposes an engine on a comlink endpoint (a module worker's scope, or a
 * Node worker's parentPort through comlink's node adapter). The service may
 * still be starting (backend selection is async): calls wait for it, so no
 * message is lost. Event callbacks are comlink proxies; they are released
 * when the job or the pack load ends.
 */
export function exposeEngine(service: Promise<EngineApi>, endpoint: Comlink.Endpoint): void {
  const api: EngineApi = {
    async run(graph, options: EngineRunOptions, onEvent: (event: EngineEvent) => void) {
      // Events travel on the callback's own port, the result on the worker's: wait until the
      // caller has handled every event, so the result never overtakes the job's last events.
      const delivered: Promise<unknown>[] = [];
      try {
        const engine = await service;
        const result = await engine.run(graph, options, (event) => {
          const delivery = Promise.resolve(onEvent(transferableEvent(event))).catch(() => undefined);
          delivered.push(delivery);
          if (event.type !== 'node:progress') return undefined;
          // Back-pressure: the next step waits until the caller has handled this one, then
          // yields a turn so a cancel the caller sent in reply is seen before the step starts.
          return delivery.then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
        });
        await Promise.all(delivered);
        return transferableResult(result);
      } finally {
        release(onEvent);
      }
    },
    async cancel(jobId) {
      await (await service).cancel(jobId);
    },
    async loadPack(source, onProgress?: (progress: PackLoadProgress) => void) {
      return withDeliveredProgress(onProgress, async (report) =>
        (await service).loadPack(checked(packSourceSchema, source, 'loadPack'), report),
      );
    },
    async loadPackFiles(name, files, onProgress?: (progress: PackLoadProgress) => void) {
      return withDeliveredProgress(onProgress, async (report) => {
        const args = checked(packFilesSchema, { name, files }, 'loadPackFiles');
        return (await service).loadPackFiles(args.name, args.files, report);
      });
    },
    async status() {
      return (await service).status();
    },
  };
  Comlink.expose(api, endpoint);
}
