import type { ModelServices } from './models/model-services';
import type { ModelFileStore } from './models/model-store';
import type { PackHandle } from './models/pack-handle';
import type { RuntimeServices } from './services';

/**
 * What a runtime host (the browser worker, the Node worker, the CLI) hands the
 * engine. These live here so the runtime needs nothing from `src/engine`;
 * the engine re-exports them (`engine-api.ts`, `engine-service.ts`).
 */

/** Progress of opening a pack. */
export interface PackLoadProgress {
  readonly file: string;
  /** Files checked so far (sha256 verified) and in all. */
  readonly done: number;
  readonly total: number;
  /**
   * Bytes of `file` hashed so far and in all, reported while a large file is streamed
   * (sha256 by streaming: a multi-GiB model takes a while).
   */
  readonly bytesDone?: number;
  readonly bytesTotal?: number;
  /** On a file's completion: its sha256 was remembered from an earlier open, not computed again. */
  readonly remembered?: boolean;
}

/** The backend a host chose, and why not the preferred one (if so). */
export interface EngineBackendInfo {
  /** The ONNX Runtime backend in use. */
  readonly backend: 'webgpu' | 'wasm' | 'cpu';
  readonly fallbackReason?: string;
}

/** Model services whose `openPack` may report per-file progress (the browser's does). */
export interface ProgressModelServices extends ModelServices {
  openPack(
    source: string,
    signal: AbortSignal,
    onProgress?: (progress: PackLoadProgress) => void,
  ): Promise<PackHandle>;
}

/** The runtime services a host gives the engine service. */
export interface EngineServices extends RuntimeServices {
  readonly models: ProgressModelServices;
  /**
   * Where verified model files and remembered hashes are kept (OPFS in the browser, memory
   * elsewhere); folders the user picks remember their files' sha256 here. Optional: without it
   * nothing is remembered.
   */
  readonly modelStore?: ModelFileStore;
}
