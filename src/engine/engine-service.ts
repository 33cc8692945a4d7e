import type { GraphDocument } from '../core/document';
import type { NodeRegistry } from '../core/node-definition';
import type {
  EngineBackendInfo,
  EngineServices,
  PackLoadProgress,
  ProgressModelServices,
} from '../runtime/host-types';
import { openFolderFiles } from '../runtime/models/folder-files';
import { modelServicesReporting } from '../runtime/models/model-services';
import { LAYOUT_LABELS, modelSetFiles, ONNX_ROLES } from '../runtime/models/model-set';
import type { PackHandle } from '../runtime/models/pack-handle';
import type { RuntimeServices } from '../runtime/services';
import type { EngineApi, EngineRunOptions, EngineStatus, PackInfo } from './engine-api';
import type { EngineEventListener, JobResult } from './events';
import { Executor } from './executor';

export type { EngineBackendInfo, EngineServices, ProgressModelServices } from '../runtime/host-types';

export interface EngineService extends EngineApi {
  /** The one executor behind every job (its cache and the session pool live across runs). */
  readonly executor: Executor<RuntimeServices>;
}

function packInfo(source: string, pack: PackHandle): PackInfo {
  const { components } = pack.models;
  return {
    source,
    name: pack.models.name,
    id: pack.id,
    kind: pack.models.layout,
    layout: LAYOUT_LABELS[pack.models.layout],
    components: ONNX_ROLES.filter((role) => components[role] !== undefined),
    controlnets: Object.keys(components.controlnet),
    loras: Object.keys(components.loras),
  };
}

/**
 * `EngineApi` over one long-lived `Executor`: the output cache and the session
 * pool survive across runs; each job gets its own AbortController, so
 * `cancel(jobId)` stops that job only. Events reach `onEvent` in the order the
 * executor emits them; a listener that throws does not break the job.
 * Both workers (browser and Node) expose this; it also runs in-process.
 */
export function createEngineService(
  registry: NodeRegistry<RuntimeServices>,
  services: EngineServices,
  status: () => EngineBackendInfo,
): EngineService {
  // Packs opened from picked folders, by their `folder:<name>` source; other sources go to the host.
  const folderPacks = new Map<string, PackHandle>();
  const models: ProgressModelServices = {
    pool: services.models.pool,
    openPack(source, signal, onProgress) {
      const folder = folderPacks.get(source);
      if (folder) return Promise.resolve(folder);
      if (source.startsWith('folder:')) {
        return Promise.reject(
          new Error(`the folder pack "${source.slice(7)}" is not open here: open the folder again`),
        );
      }
      return services.models.openPack(source, signal, onProgress);
    },
  };
  const executor = new Executor<RuntimeServices>(
    registry,
    { ...services, models },
    // Each node's model loading, session creation and downloads are told as its stages.
    { servicesForNode: (base, stage) => ({ ...base, models: modelServicesReporting(models, stage) }) },
  );
  const jobs = new Map<string, AbortController>();

  return {
    executor,

    async run(
      graph: GraphDocument,
      options: EngineRunOptions,
      onEvent: EngineEventListener,
    ): Promise<JobResult> {
      const { jobId } = options;
      if (jobs.has(jobId)) {
        const message = `a job with id "${jobId}" is already running`;
        return { jobId, status: 'failed', artifacts: [], error: { message } };
      }
      const controller = new AbortController();
      jobs.set(jobId, controller);
      try {
        return await executor.run(graph, {
          jobId,
          signal: controller.signal,
          onEvent: (event) => {
            try {
              // Returned so progress reporting can wait for the listener (back-pressure).
              return Promise.resolve(onEvent(event)).catch(() => undefined);
            } catch {
              // A broken listener must not fail the job.
              return undefined;
            }
          },
        });
      } finally {
        jobs.delete(jobId);
      }
    },

    async cancel(jobId: string): Promise<void> {
      jobs.get(jobId)?.abort(new DOMException(`job ${jobId} cancelled`, 'AbortError'));
    },

    async loadPack(source: string, onProgress?: (progress: PackLoadProgress) => void): Promise<PackInfo> {
      let reported = false;
      const pack = await services.models.openPack(source, new AbortController().signal, (progress) => {
        reported = true;
        onProgress?.(progress);
      });
      if (!reported && onProgress) {
        // Hosts that verify a pack in one go (a Node folder) report it once, complete.
        const total = modelSetFiles(pack.models).length;
        onProgress({ file: 'manifest.json', done: total, total });
      }
      return packInfo(source, pack);
    },

    async loadPackFiles(name, files, onProgress): Promise<PackInfo> {
      // A pack (manifest.json) or a checkpoint (model_index.json); anything else says what was expected.
      const pack = await openFolderFiles(name, files, {
        ...(services.modelStore ? { store: services.modelStore } : {}),
        ...(onProgress ? { onProgress } : {}),
      });
      folderPacks.set(pack.source, pack);
      return packInfo(pack.source, pack);
    },

    async status(): Promise<EngineStatus> {
      const { backend, fallbackReason } = status();
      const stats = services.models.pool.stats;
      return {
        backend,
        ...(fallbackReason ? { fallbackReason } : {}),
        runningJobs: [...jobs.keys()],
        loadedSessions: stats.sessions,
        loadedBytes: stats.bytes,
      };
    },
  };
}
