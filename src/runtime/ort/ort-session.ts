import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { BackendName, ModelSession, ModelSource, OrtBackend, ValueInfo } from './model-session';
import type { TensorData, TensorElementType } from './tensor-data';

/** The parts of an onnxruntime module (node or web) this adapter uses; both share onnxruntime-common's API. */
export interface OrtModule {
  readonly InferenceSession: {
    create(model: Uint8Array | string, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: new (type: Tensor.Type, data: Tensor.DataType, dims: readonly number[]) => Tensor;
}

function valueInfo(meta: InferenceSession.ValueMetadata): ValueInfo {
  return meta.isTensor
    ? { name: meta.name, type: meta.type, shape: [...meta.shape] }
    : { name: meta.name, type: undefined, shape: [] };
}

const SUPPORTED: readonly string[] = ['float32', 'float16', 'int64', 'int32', 'bool', 'uint8'];

/** Reads an ORT output tensor into plain data (downloading from the GPU where needed). */
async function toTensorData(tensor: Tensor, label: string, name: string): Promise<TensorData> {
  if (!SUPPORTED.includes(tensor.type))
    throw new Error(`${label} output "${name}" has unsupported type ${tensor.type}`);
  const data = tensor.location === 'cpu' ? tensor.data : await tensor.getData(true);
  return { type: tensor.type as TensorElementType, dims: [...tensor.dims], data: data as TensorData['data'] };
}

/** Wraps a created InferenceSession as a ModelSession: metadata read once, plain-data feeds. */
/** Runs tasks one after another, in call order; a failed task does not block the next. */
export class RunQueue {
  #tail: Promise<unknown> = Promise.resolve();

  enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

export function adaptSession(
  ort: OrtModule,
  session: InferenceSession,
  label: string,
  queue: RunQueue = new RunQueue(),
): ModelSession {
  const inputs = session.inputMetadata.map(valueInfo);
  const outputs = session.outputMetadata.map(valueInfo);
  return {
    label,
    inputs,
    outputs,
    run(feeds, outputNames) {
      // One run at a time per session (or per backend, see ortBackend's `exclusive`).
      return queue.enqueue(async () => {
        const ortFeeds: Record<string, Tensor> = {};
        for (const [name, tensor] of Object.entries(feeds)) {
          ortFeeds[name] = new ort.Tensor(tensor.type, tensor.data as Tensor.DataType, tensor.dims);
        }
        let produced: InferenceSession.ReturnType;
        try {
          produced = outputNames
            ? await session.run(ortFeeds, [...outputNames])
            : await session.run(ortFeeds);
        } catch (error) {
          throw new Error(`${label} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        const out: Record<string, TensorData> = {};
        for (const [name, tensor] of Object.entries(produced)) {
          out[name] = await toTensorData(tensor, label, name);
          tensor.dispose();
        }
        return out;
      });
    },
    release: () => session.release(),
  };
}

export interface OrtBackendOptions {
  /** onnxruntime-node reads a model's external data from disk itself (the model is opened by path). */
  readonly readsExternalDataFromDisk?: boolean;
  /**
   * One session run (or creation) at a time across the whole backend.
   * onnxruntime-web needs this: its wasm/WebGPU runtime is one instance, and
   * overlapping runs of two sessions corrupt its memory. onnxruntime-node runs
   * sessions concurrently.
   */
  readonly exclusive?: boolean;
}

/**
 * A backend over one ORT module with fixed session options. Models with
 * external data load from their path where the module reads files itself,
 * else with the bytes passed as `externalData` (onnxruntime-web).
 */
export function ortBackend(
  name: BackendName,
  ort: OrtModule,
  options: InferenceSession.SessionOptions,
  backendOptions: OrtBackendOptions = {},
): OrtBackend {
  const shared = backendOptions.exclusive ? new RunQueue() : undefined;
  const create = async (model: ModelSource, label: string): Promise<InferenceSession> => {
    const external = model.externalData ?? [];
    try {
      if (backendOptions.readsExternalDataFromDisk && model.filePath && (!model.bytes || external.length > 0))
        return await ort.InferenceSession.create(model.filePath, options);
      if (!model.bytes) throw new Error('this backend loads models from bytes, and none were given');
      if (model.externalDataFolder && backendOptions.readsExternalDataFromDisk) {
        // A model rewritten in memory whose other weights stay in their files on disk.
        const extra = (options.extra ?? {}) as Record<string, unknown>;
        const session = (extra.session ?? {}) as Record<string, unknown>;
        return await ort.InferenceSession.create(model.bytes, {
          ...options,
          extra: {
            ...extra,
            session: { ...session, model_external_initializers_file_folder_path: model.externalDataFolder },
          },
        });
      }
      if (external.length === 0) return await ort.InferenceSession.create(model.bytes, options);
      // onnxruntime-web, and onnxruntime-node for a model with no file on disk (a URL source).
      return await ort.InferenceSession.create(model.bytes, { ...options, externalData: [...external] });
    } catch (error) {
      throw new Error(`cannot load ${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return {
    name,
    opensFiles: backendOptions.readsExternalDataFromDisk === true,
    async createSession(model, label) {
      const session = await (shared ? shared.enqueue(() => create(model, label)) : create(model, label));
      return adaptSession(ort, session, label, shared);
    },
  };
}
