/**
 * fp16 exports (the recommended download for the browser) take and give float16 tensors. Nodes
 * work in float32; this view of a session converts float32 feeds to float16 where the model
 * declares float16 inputs, and float16 outputs back to float32, and reports its inputs and
 * outputs as float32, so every node runs fp32 and fp16 models alike.
 */
import { halfToNumber, numberToHalf } from '../lora/float-codec';
import type { ModelSession, ValueInfo } from './model-session';
import type { TensorData } from './tensor-data';

const isHalf = (info: ValueInfo) => info.type === 'float16';

export function hasFloat16Interface(session: ModelSession): boolean {
  return session.inputs.some(isHalf) || session.outputs.some(isHalf);
}

function toHalf(tensor: TensorData): TensorData {
  if (tensor.type !== 'float32') return tensor;
  const src = tensor.data as Float32Array;
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = numberToHalf(src[i]!);
  return { type: 'float16', dims: tensor.dims, data: out };
}

function toFloat(tensor: TensorData): TensorData {
  if (tensor.type !== 'float16') return tensor;
  const src = tensor.data as Uint16Array;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = halfToNumber(src[i]!);
  return { type: 'float32', dims: tensor.dims, data: out };
}

const asFloat32 = (info: ValueInfo): ValueInfo => (isHalf(info) ? { ...info, type: 'float32' } : info);

/** A float32 view of a session with float16 inputs or outputs (the session itself if it has none). */
export function float32View(session: ModelSession): ModelSession {
  if (!hasFloat16Interface(session)) return session;
  const half = new Set(session.inputs.filter(isHalf).map((i) => i.name));
  return {
    label: session.label,
    inputs: session.inputs.map(asFloat32),
    outputs: session.outputs.map(asFloat32),
    async run(feeds, outputNames) {
      const converted: Record<string, TensorData> = {};
      for (const [name, tensor] of Object.entries(feeds))
        converted[name] = half.has(name) ? toHalf(tensor) : tensor;
      const produced = await session.run(converted, outputNames);
      const out: Record<string, TensorData> = {};
      for (const [name, tensor] of Object.entries(produced)) out[name] = toFloat(tensor);
      return out;
    },
    release: () => session.release(),
  };
}
