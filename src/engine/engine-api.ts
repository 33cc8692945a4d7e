import type { GraphDocument } from '../core/document';
import type { EngineBackendInfo, PackLoadProgress } from '../runtime/host-types';
import type { ModelLayout } from '../runtime/models/model-set';
import type { EngineEvent, JobResult } from './events';

export type { PackLoadProgress } from '../runtime/host-types';

/** A file of a picked pack folder: its path inside the folder and its contents (crosses workers as a Blob). */
export interface PackFile {
  readonly path: string;
  readonly data: Blob;
  /** `File.lastModified`: with the size, lets the engine remember the file's sha256. */
  readonly lastModified?: number;
}

/** What a loaded pack offers, for pickers and status displays. Plain data. */
export interface PackInfo {
  /** Where it came from: `reference`, a URL, or a folder name. */
  readonly source: string;
  readonly name: string;
  /** sha256 of its manifest (a pack) or of its files' hashes and configs (a checkpoint). */
  readonly id: string;
  /** The layout recognised. */
  readonly kind: ModelLayout;
  /** The layout recognised, in words (e.g. "Stable Diffusion ONNX, optimum's layout"). */
  readonly layout: string;
  /** The model components found (text_encoder, unet, vae_decoder, ...). */
  readonly components: readonly string[];
  readonly controlnets: readonly string[];
  readonly loras: readonly string[];
}

export interface EngineStatus {
  /** The ONNX Runtime backend in use. */
  readonly backend: EngineBackendInfo['backend'];
  /** Why the preferred backend is not in use (e.g. no WebGPU adapter), if so. */
  readonly fallbackReason?: string;
  readonly runningJobs: readonly string[];
  readonly loadedSessions: number;
  readonly loadedBytes: number;
}

export interface EngineRunOptions {
  /** Chosen by the caller so it can cancel before the first event arrives. */
  readonly jobId: string;
}

/**
 * The engine as workers expose it (with comlink, in the browser and in Node
 * worker_threads). Events are delivered in order through `onEvent` (a
 * comlink proxy across workers); images and tensors cross as transferred
 * ArrayBuffers. `run` resolves when the job ends, whatever its status.
 */
export interface EngineApi {
  run(
    graph: GraphDocument,
    options: EngineRunOptions,
    onEvent: (event: EngineEvent) => void,
  ): Promise<JobResult>;
  /** Cancels one job; other jobs keep running. Unknown or finished ids are ignored. */
  cancel(jobId: string): Promise<void>;
  /** Opens (and verifies) a pack; nodes whose `pack` param equals `source` then use it. */
  loadPack(source: string, onProgress?: (progress: PackLoadProgress) => void): Promise<PackInfo>;
  /**
   * Opens a model folder the user picked: a pack (manifest.json, every sha256 verified) or a
   * Stable Diffusion ONNX checkpoint (model_index.json, every file hashed by streaming);
   * anything else fails saying what was expected. It is then known as `folder:<name>` (the
   * returned `source`) for the life of this engine; after a reload the folder must be picked again.
   */
  loadPackFiles(
    name: string,
    files: readonly PackFile[],
    onProgress?: (progress: PackLoadProgress) => void,
  ): Promise<PackInfo>;
  status(): Promise<EngineStatus>;
}
