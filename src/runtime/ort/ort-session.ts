import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { BackendName, ModelSession, OrtBackend, ValueInfo } from './model-session';
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
export function adaptSession(ort: OrtModule, session: InferenceSession, label: string): ModelSession {
  const inputs = session.inputMetadata.map(valueInfo);
  const outputs = session.outputMetadata.map(valueInfo);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    label,
    inputs,
    outputs,
    run(feeds, outputNames) {
      // One run at a time per session: ORT sessions are not re-entrant on every backend.
      const result = queue.then(async () => {
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
      queue = result.catch(() => undefined);
      return result;
    },
    release: () => session.release(),
  };
}

/**
 * A backend over one ORT module with fixed session options. Models with
 * external data load from their path where the module reads files itself
 * (`readsExternalDataFromDisk`, onnxruntime-node), else with the bytes passed
 * as `externalData` (onnxruntime-web).
 */
export function ortBackend(
  name: BackendName,
  ort: OrtModule,
  options: InferenceSession.SessionOptions,
  readsExternalDataFromDisk = false,
): OrtBackend {
  return {
    name,
    async createSession(model, label) {
      let session: InferenceSession;
      const external = model.externalData ?? [];
      try {
        if (external.length === 0) {
          session = await ort.InferenceSession.create(model.bytes, options);
        } else if (readsExternalDataFromDisk) {
          if (!model.filePath)
            throw new Error('a model with external data must be loaded from a file on this backend');
          session = await ort.InferenceSession.create(model.filePath, options);
        } else {
          session = await ort.InferenceSession.create(model.bytes, {
            ...options,
            externalData: [...external],
          });
        }
      } catch (error) {
        throw new Error(`cannot load ${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return adaptSession(ort, session, label);
    },
  };
}
