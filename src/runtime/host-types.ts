import type { ModelServices } from './models/model-services';
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
}
