import type { ModelServices } from './models/model-services';

/**
 * What nodes may ask of the host they run in. The Node host (CLI, worker
 * thread) and the browser worker each provide one implementation.
 */
export interface RuntimeServices {
  /**
   * Reads the bytes of an image or file source: a path (headless; relative
   * paths resolve against the graph's folder), an http(s) URL or a data: URL.
   * Errors name the source.
   */
  readSource(source: string, signal: AbortSignal): Promise<Uint8Array>;
  /** Model packs and pooled ONNX sessions. */
  readonly models: ModelServices;
}
