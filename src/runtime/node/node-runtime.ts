import type { RuntimeServices } from '../services';
import type { FilePolicy } from './file-policy';
import { type BackendChoice, chooseNodeBackend } from './node-backends';
import { createNodeModelServices, type NodeModelServicesOptions } from './node-model-services';
import { readNodeSource } from './node-sources';

export interface NodeRuntime {
  readonly services: RuntimeServices;
  /** The backend in use ('cpu' or 'wasm'). */
  readonly backend: string;
  /** A fallback the user should know about, if any. */
  readonly note?: string;
}

export interface NodeRuntimeOptions {
  /**
   * Makes sure the reference pack exists before it is opened. The host passes
   * the generator's (`scripts/pack/ensure`), so the reference pack is
   * generated on first use; without it the pack must already be on disk.
   */
  readonly ensureReferencePack?: NodeModelServicesOptions['ensureReferencePack'];
  /**
   * What graphs may read (files, model folders, URLs); default `trustedFilePolicy()`, for hosts
   * that run only their own user's graphs. Hosts running shared graphs pass a restricted one.
   */
  readonly policy?: FilePolicy;
}

/**
 * Everything nodes need headless: sources relative to `baseDir`, the chosen
 * ONNX Runtime backend, packs (the reference pack made sure of with
 * `options.ensureReferencePack`) and one session pool kept across runs.
 */
export async function createNodeRuntime(
  choice: BackendChoice,
  baseDir: string,
  options: NodeRuntimeOptions = {},
): Promise<NodeRuntime> {
  const { backend, note } = await chooseNodeBackend(choice);
  return {
    backend: backend.name,
    ...(note ? { note } : {}),
    services: {
      readSource: (source, signal) => readNodeSource(source, baseDir, signal, options.policy),
      models: createNodeModelServices({
        backend,
        baseDir,
        ensureReferencePack: options.ensureReferencePack,
        ...(options.policy ? { policy: options.policy } : {}),
      }),
    },
  };
}
