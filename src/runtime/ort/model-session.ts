import type { TensorData, TensorElementType } from './tensor-data';

/** An input or output of a loaded model, read from the session (never assumed). */
export interface ValueInfo {
  readonly name: string;
  /** Element type, or undefined for non-tensor values. */
  readonly type: TensorElementType | string | undefined;
  /** Dimensions: numbers where fixed, names where symbolic; empty when unknown. */
  readonly shape: readonly (number | string)[];
}

/** A loaded model on one backend. */
export interface ModelSession {
  /** A label for messages, e.g. `unet (unet.onnx)`. */
  readonly label: string;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  run(
    feeds: Readonly<Record<string, TensorData>>,
    outputNames?: readonly string[],
  ): Promise<Record<string, TensorData>>;
  release(): Promise<void>;
}

export type BackendName = 'cpu' | 'wasm' | 'webgpu';

/** A weights file an ONNX model refers to (ONNX external data), by its `location` in the model. */
export interface ExternalDataFile {
  /** The location string in the model, relative to the model's folder. */
  readonly path: string;
  readonly data: Uint8Array;
}

/**
 * A model to load: its bytes plus its external data files, or, headless, only its path on disk
 * (onnxruntime-node then reads the model and its external data itself: no model file is held in
 * JS memory).
 */
export interface ModelSource {
  readonly bytes?: Uint8Array;
  readonly externalData?: readonly ExternalDataFile[];
  /** Where the model lies on disk (lets onnxruntime-node read it and its external data itself). */
  readonly filePath?: string;
  /**
   * With `bytes` headless: the folder the model's external data files are read from (a model
   * rewritten in memory, e.g. with LoRAs merged, whose other weights stay on disk).
   */
  readonly externalDataFolder?: string;
  /** Bytes of the model and its weights, for the pool's budget when `bytes` are not given. */
  readonly sizeBytes?: number;
  /** Called once the session is created (or failed to be), e.g. to delete a scratch folder. */
  readonly afterLoad?: () => Promise<void>;
}

/** The bytes a model source occupies once loaded. */
export function modelSourceSize(model: ModelSource): number {
  return (
    model.sizeBytes ??
    (model.bytes?.byteLength ?? 0) + (model.externalData ?? []).reduce((n, f) => n + f.data.byteLength, 0)
  );
}

/** A model file (the .onnx or one of its external data files) and its size, for limit checks. */
export interface ModelFileSize {
  readonly file: string;
  readonly bytes: number;
}

/** One ONNX Runtime flavour (onnxruntime-node CPU, onnxruntime-web wasm or WebGPU). */
export interface OrtBackend {
  readonly name: BackendName;
  /** Opens models by file path (onnxruntime-node): callers then pass paths, not bytes. */
  readonly opensFiles?: boolean;
  createSession(model: ModelSource, label: string): Promise<ModelSession>;
  /**
   * Throws when a model of these files is too large for this backend (the message names the
   * file, its size and the limit). Called before the model's bytes are read; backends without
   * limits leave it out.
   */
  checkModelSize?(files: readonly ModelFileSize[], label: string): void;
}

/** The input named `name`, or a clear error naming the model and what it does have. */
export function requireInput(session: ModelSession, name: string): ValueInfo {
  const info = session.inputs.find((i) => i.name === name);
  if (!info) {
    throw new Error(
      `${session.label} has no input "${name}" (inputs: ${session.inputs.map((i) => i.name).join(', ')})`,
    );
  }
  return info;
}

export function requireOutput(session: ModelSession, name: string): ValueInfo {
  const info = session.outputs.find((i) => i.name === name);
  if (!info) {
    throw new Error(
      `${session.label} has no output "${name}" (outputs: ${session.outputs.map((i) => i.name).join(', ')})`,
    );
  }
  return info;
}
