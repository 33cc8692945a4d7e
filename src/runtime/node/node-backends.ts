import type { BackendName, OrtBackend } from '../ort/model-session';
import { type OrtModule, ortBackend } from '../ort/ort-session';

export type BackendChoice = 'auto' | 'cpu' | 'wasm';

export interface ChosenBackend {
  readonly backend: OrtBackend;
  /** Why this backend, e.g. a fallback; shown to the user. */
  readonly note?: string;
}

async function cpuBackend(): Promise<OrtBackend> {
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  return ortBackend(
    'cpu',
    ort,
    { executionProviders: ['cpu'], graphOptimizationLevel: 'all' },
    { readsExternalDataFromDisk: true },
  );
}

async function wasmBackend(): Promise<OrtBackend> {
  const mod = (await import('onnxruntime-web')) as unknown as OrtModule & {
    env: { wasm: { numThreads?: number } };
  };
  return ortBackend(
    'wasm',
    mod,
    { executionProviders: ['wasm'], graphOptimizationLevel: 'all' },
    { exclusive: true },
  );
}

/**
 * Headless backends: onnxruntime-node's CPU provider (the default, fastest
 * here) or onnxruntime-web's wasm build running in Node. `auto` takes cpu and
 * falls back to wasm, saying so, when onnxruntime-node cannot load.
 */
export async function chooseNodeBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice === 'wasm') return { backend: await wasmBackend() };
  try {
    return { backend: await cpuBackend() };
  } catch (error) {
    if (choice === 'cpu') {
      throw new Error(
        `the cpu backend (onnxruntime-node) cannot load: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return {
      backend: await wasmBackend(),
      note: `onnxruntime-node is unavailable (${error instanceof Error ? error.message : String(error)}); using wasm`,
    };
  }
}

export const NODE_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];
