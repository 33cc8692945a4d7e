import type { ModelSession } from '../src/runtime/ort/model-session';
import { requireInput } from '../src/runtime/ort/model-session';
import type { TensorData } from '../src/runtime/ort/tensor-data';

/** Token ids as the dtype the model's input declares (int64 or int32). */
export function idsTensor(
  session: ModelSession,
  input: string,
  ids: readonly number[],
  dims: readonly number[],
): TensorData {
  const info = requireInput(session, input);
  if (info.type === 'int32') return { type: 'int32', dims, data: Int32Array.from(ids) };
  if (info.type === 'int64' || info.type === undefined) {
    return { type: 'int64', dims, data: BigInt64Array.from(ids, (v) => BigInt(v)) };
  }
  throw new Error(
    `${session.label} input "${input}" has type ${info.type}; expected int64 or int32 token ids`,
  );
}

/** A float32 output by name, or an error naming the model and what it produced. */
export function floatOutput(
  session: ModelSession,
  outputs: Record<string, TensorData>,
  name: string,
): TensorData<'float32'> {
  const tensor = outputs[name];
  if (!tensor) throw new Error(`${session.label} produced no output "${name}"`);
  if (tensor.type !== 'float32')
    throw new Error(`${session.label} output "${name}" is ${tensor.type}, expected float32`);
  return tensor as TensorData<'float32'>;
}

/** The single output of a model (the first one when it has several). */
export function firstOutputName(session: ModelSession): string {
  const first = session.outputs[0];
  if (!first) throw new Error(`${session.label} has no outputs`);
  return first.name;
}

/** Fixed spatial size [H, W] of an NCHW image input, or undefined when symbolic. */
export function fixedImageSize(session: ModelSession, input: string): [number, number] | undefined {
  const shape = requireInput(session, input).shape;
  const h = shape[2];
  const w = shape[3];
  return typeof h === 'number' && typeof w === 'number' ? [h, w] : undefined;
}

/**
 * Checks, before inference, that a model has a float32 input of the given
 * rank (a latent or an image), naming the model, the input and what it has.
 */
export function requireFloatInput(session: ModelSession, name: string, rank: number, role: string): void {
  const info = session.inputs.find((i) => i.name === name);
  const found = session.inputs.map((i) => `${i.name} ${i.type ?? '?'}[${i.shape.join(',')}]`).join(', ');
  if (
    !info ||
    (info.type !== 'float32' && info.type !== undefined) ||
    (info.shape.length !== 0 && info.shape.length !== rank)
  ) {
    throw new Error(
      `${session.label} does not look like ${role}: it needs a float32 rank-${rank} input "${name}", it has ${found}`,
    );
  }
}
