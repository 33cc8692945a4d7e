import { ensureReferencePack } from '../../../scripts/pack/ensure';
import type { RuntimeServices } from '../services';
import { type BackendChoice, chooseNodeBackend } from './node-backends';
import { createNodeModelServices } from './node-model-services';
import { readNodeSource } from './node-sources';

export interface NodeRuntime {
  readonly services: RuntimeServices;
  /** The backend in use ('cpu' or 'wasm'). */
  readonly backend: string;
  /** A fallback the user should know about, if any. */
  readonly note?: string;
}

/**
 * Everything nodes need headless: sources relative to `baseDir`, the chosen
 * ONNX Runtime backend, packs (the reference pack generated on first use)
 * and one session pool kept across runs.
 */
export async function createNodeRuntime(choice: BackendChoice, baseDir: string): Promise<NodeRuntime> {
  const { backend, note } = await chooseNodeBackend(choice);
  return {
    backend: backend.name,
    ...(note ? { note } : {}),
    services: {
      readSource: (source, signal) => readNodeSource(source, baseDir, signal),
      models: createNodeModelServices({ backend, baseDir, ensureReferencePack }),
    },
  };
}
