import type { InferenceSession } from 'onnxruntime-common';
import type { BackendName, OrtBackend } from '../ort/model-session';
import { type OrtModule, ortBackend } from '../ort/ort-session';

/** What the page asks for: `webgpu` and `auto` both prefer WebGPU and fall back to wasm. */
export type BrowserBackendChoice = 'auto' | 'webgpu' | 'wasm';

/** The parts of onnxruntime-web's `env` the browser runtime sets. */
export interface OrtWebEnv {
  wasm: { wasmPaths?: string | { mjs?: string; wasm?: string }; numThreads?: number; proxy?: boolean };
  webgpu: { device: Promise<unknown> | GPUDevice };
  logLevel?: 'verbose' | 'info' | 'warning' | 'error' | 'fatal';
}

export type OrtWebModule = OrtModule & { readonly env: OrtWebEnv };

export interface BrowserBackend {
  readonly backend: OrtBackend;
  readonly name: Extract<BackendName, 'webgpu' | 'wasm'>;
  /** Why WebGPU is not in use although it was preferred; undefined when it is, or when wasm was asked for. */
  readonly fallbackReason?: string;
  /** The one device every WebGPU session of this worker shares. */
  readonly device?: GPUDevice;
}

export interface SelectBackendOptions {
  readonly choice: BrowserBackendChoice;
  /** Base URL of ONNX Runtime's wasm/mjs files as the app serves them (e.g. `/ort/`). */
  readonly wasmPaths: string;
  /** `navigator.gpu` (injectable for tests). */
  readonly gpu?: GPU | undefined;
  /** Called once if the WebGPU device is lost (not when it is destroyed on purpose). */
  readonly onDeviceLost?: (message: string) => void;
}

/** Limits ONNX Runtime's WebGPU EP asks for when it creates its own device: take the adapter's maxima. */
const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
] as const;

const FEATURES: readonly GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Requests the adapter and one device, or says why there is none. */
async function requestDevice(gpu: GPU | undefined): Promise<{ device: GPUDevice } | { reason: string }> {
  if (!gpu) return { reason: 'WebGPU is not available here (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { reason: `navigator.gpu.requestAdapter() failed: ${messageOf(error)}` };
  }
  if (!adapter) return { reason: 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)' };
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = FEATURES.filter((f) => adapter.features.has(f));
  try {
    return { device: await adapter.requestDevice({ requiredLimits, requiredFeatures }) };
  } catch (error) {
    return { reason: `the WebGPU adapter gave no device: ${messageOf(error)}` };
  }
}

/**
 * Chooses the backend of a browser engine worker: WebGPU when an adapter and
 * a device can be had (that device is handed to ONNX Runtime, so every session
 * of the worker shares it), otherwise wasm with the reason in
 * `fallbackReason`. `ort.env.wasm.wasmPaths` points at the app-served files
 * either way (the WebGPU build is wasm too).
 */
export async function selectBrowserBackend(
  ort: OrtWebModule,
  options: SelectBackendOptions,
): Promise<BrowserBackend> {
  ort.env.wasm.wasmPaths = options.wasmPaths;
  ort.env.wasm.proxy = false; // already in a worker
  ort.env.logLevel = 'error';
  const wasm = (fallbackReason?: string): BrowserBackend => ({
    name: 'wasm',
    backend: ortBackend(
      'wasm',
      ort,
      {
        executionProviders: ['wasm'],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      },
      { exclusive: true },
    ),
    ...(fallbackReason ? { fallbackReason } : {}),
  });
  if (options.choice === 'wasm') return wasm();

  const got = await requestDevice(options.gpu);
  if ('reason' in got) return wasm(got.reason);
  const { device } = got;
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') options.onDeviceLost?.(`the WebGPU device was lost: ${info.message}`);
  });
  ort.env.webgpu.device = device;
  const sessionOptions: InferenceSession.SessionOptions = {
    executionProviders: ['webgpu'],
    graphOptimizationLevel: 'all',
    // Shape ops run on the CPU by design; ORT would warn about that on every session.
    logSeverityLevel: 3,
  };
  return { name: 'webgpu', backend: ortBackend('webgpu', ort, sessionOptions, { exclusive: true }), device };
}
