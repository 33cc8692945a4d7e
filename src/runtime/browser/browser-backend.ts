import type { InferenceSession } from 'onnxruntime-common';
import type { BackendName, ModelFileSize, ModelSource, OrtBackend } from '../ort/model-session';
import { type OrtModule, ortBackend } from '../ort/ort-session';

/**
 * What the page asks for: `webgpu` and `auto` both prefer WebGPU and fall back to wasm; `auto`
 * also takes wasm when the adapter is a software renderer (SwiftShader), `webgpu` uses it.
 */
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

const GiB = 1024 ** 3;

/**
 * How large a model (its .onnx plus its external data) a browser backend accepts. These are
 * documented budgets, not measured ones: onnxruntime-web cannot say in advance whether a model
 * will fit, and a failure half-way through creating a session is far less clear than a refusal.
 *
 * - wasm: the 32-bit wasm heap (4 GiB address space) holds the model, all its weights and the
 *   activations of a run: a model over 2 GiB in all is refused.
 * - WebGPU: the weights go to GPU buffers, but every file is read into one ArrayBuffer and the
 *   .onnx itself (a protobuf, 2 GiB at most) is copied into the wasm heap: a file over 2 GiB is
 *   refused, and a model over 4 GiB in all. Each initializer must also fit the adapter's
 *   `maxStorageBufferBindingSize` (not known before the model is parsed; SD1.5's largest fp32
 *   tensors are a few MB, far below every adapter's limit).
 */
export interface BrowserModelLimits {
  readonly backend: 'wasm' | 'webgpu';
  /** The model plus its external data. */
  readonly totalBytes: number;
  /** Any one file. */
  readonly fileBytes: number;
  /** Why, in words, for messages. */
  readonly reason: string;
}

export const WASM_MODEL_LIMITS: BrowserModelLimits = {
  backend: 'wasm',
  totalBytes: 2 * GiB,
  fileBytes: 2 * GiB,
  reason: "the wasm backend's 4 GiB address space must also hold the activations",
};

export const WEBGPU_MODEL_LIMITS: BrowserModelLimits = {
  backend: 'webgpu',
  totalBytes: 4 * GiB,
  fileBytes: 2 * GiB,
  reason: 'WebGPU sessions read each file into one ArrayBuffer and parse the model in a 4 GiB wasm heap',
};

/** Sizes as people read them: `3.44 GB (3,438,460,928 bytes)`. */
export function formatBytes(bytes: number): string {
  const text = bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
  return `${text} (${bytes.toLocaleString('en-US')} bytes)`;
}

const formatLimit = (bytes: number) => (bytes % GiB === 0 ? `${bytes / GiB} GiB` : formatBytes(bytes));

/**
 * Refuses a model too large for a browser backend, naming the file, its size, the limit and
 * what to do instead (the fp16 export, about half the size, or the headless runner).
 */
export function checkModelFits(
  files: readonly ModelFileSize[],
  label: string,
  limits: BrowserModelLimits,
): void {
  if (files.length === 0) return;
  const largest = files.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const total = files.reduce((n, f) => n + f.bytes, 0);
  const advice =
    'Use the fp16 export of this model (about half the size: optimum-cli export onnx --fp16 ... or ' +
    "diffusers' conversion script with --fp16), or run the graph headless (npx kosmograph run), which has no such limit";
  if (largest.bytes > limits.fileBytes) {
    throw new Error(
      `cannot load ${label} on ${limits.backend}: ${largest.file} is ${formatBytes(largest.bytes)}, over the limit of ${formatLimit(limits.fileBytes)} per file (${limits.reason}). ${advice}.`,
    );
  }
  if (total > limits.totalBytes) {
    throw new Error(
      `cannot load ${label} on ${limits.backend}: ${files.map((f) => f.file).join(' + ')} ${files.length > 1 ? 'are' : 'is'} ${formatBytes(total)} (the largest, ${largest.file}, ${formatBytes(largest.bytes)}), over the limit of ${formatLimit(limits.totalBytes)} per model (${limits.reason}). ${advice}.`,
    );
  }
}

/** The files of a model about to be loaded from bytes, for `checkModelFits`. */
export function modelSourceFiles(model: ModelSource, label: string): ModelFileSize[] {
  if (!model.bytes) return model.sizeBytes !== undefined ? [{ file: label, bytes: model.sizeBytes }] : [];
  return [
    { file: 'model.onnx', bytes: model.bytes.byteLength },
    ...(model.externalData ?? []).map((x) => ({ file: x.path, bytes: x.data.byteLength })),
  ];
}

/** A backend that refuses models over `limits`: before their bytes are read, and again at creation. */
export function limitedBackend(backend: OrtBackend, limits: BrowserModelLimits): OrtBackend {
  return {
    name: backend.name,
    ...(backend.opensFiles ? { opensFiles: backend.opensFiles } : {}),
    checkModelSize: (files, label) => checkModelFits(files, label, limits),
    async createSession(model, label) {
      checkModelFits(modelSourceFiles(model, label), label, limits);
      return backend.createSession(model, label);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The parts of an adapter's description that name a software renderer (Chromium fills `info`). */
interface AdapterIdentity {
  readonly info?: {
    readonly vendor?: string;
    readonly architecture?: string;
    readonly device?: string;
    readonly description?: string;
    readonly isFallbackAdapter?: boolean;
  };
  /** The older place of the flag (before `GPUAdapterInfo.isFallbackAdapter`). */
  readonly isFallbackAdapter?: boolean;
}

/** CPU implementations of WebGPU, by a word in their adapter info, as people know them. */
const SOFTWARE_RENDERERS: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe|lavapipe/i, 'lavapipe'],
  [/basic render|\bwarp\b/i, 'WARP'],
];

/**
 * The software renderer behind a WebGPU adapter (`SwiftShader`, ...), or undefined for a real
 * GPU. WebGPU on SwiftShader runs the reference pack's first-screen graph about 10x slower than
 * wasm (45 s vs 4.6 s cold), so `auto` takes wasm there.
 */
export function softwareAdapterName(adapter: AdapterIdentity): string | undefined {
  const info = adapter.info;
  const text = [info?.vendor, info?.architecture, info?.device, info?.description].join(' ');
  const named = SOFTWARE_RENDERERS.find(([pattern]) => pattern.test(text));
  if (named) return named[1];
  return info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true ? 'software' : undefined;
}

/** Requests the adapter and one device, or says why there is none (or, for `auto`, why not this one). */
async function requestDevice(
  gpu: GPU | undefined,
  choice: Exclude<BrowserBackendChoice, 'wasm'>,
): Promise<{ device: GPUDevice } | { reason: string }> {
  if (!gpu) return { reason: 'WebGPU is not available here (navigator.gpu is missing)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (error) {
    return { reason: `navigator.gpu.requestAdapter() failed: ${messageOf(error)}` };
  }
  if (!adapter) return { reason: 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)' };
  const software = choice === 'auto' ? softwareAdapterName(adapter as AdapterIdentity) : undefined;
  if (software) return { reason: `WebGPU adapter is a software fallback (${software})` };
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
 * of the worker shares it) and, for `auto`, the adapter is not a software
 * renderer; otherwise wasm with the reason in `fallbackReason`.
 * `ort.env.wasm.wasmPaths` points at the app-served files either way (the
 * WebGPU build is wasm too).
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
    backend: limitedBackend(
      ortBackend(
        'wasm',
        ort,
        {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
        },
        { exclusive: true },
      ),
      WASM_MODEL_LIMITS,
    ),
    ...(fallbackReason ? { fallbackReason } : {}),
  });
  if (options.choice === 'wasm') return wasm();

  const got = await requestDevice(options.gpu, options.choice);
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
  return {
    name: 'webgpu',
    backend: limitedBackend(
      ortBackend('webgpu', ort, sessionOptions, { exclusive: true }),
      WEBGPU_MODEL_LIMITS,
    ),
    device,
  };
}
