import type { ModelSession, ValueInfo } from '../../src/runtime/ort/model-session';
import { requireInput } from '../../src/runtime/ort/model-session';
import { elementCount, float32Tensor, type TensorData } from '../../src/runtime/ort/tensor-data';
import type { ControlHint } from '../values';
import { residualKey, residualsByKey, sdResidualFactor } from './residual-names';

/** The U-Net inputs that carry ControlNet residuals: every input besides the three standard ones. */
export function residualInputs(unet: ModelSession): ValueInfo[] {
  const standard = new Set(['sample', 'timestep', 'encoder_hidden_states']);
  return unet.inputs.filter((i) => !standard.has(i.name));
}

/**
 * The shape of a residual input for `batch` rows of a latent of `latent` [h, w]: the batch dim
 * set, fixed dims kept, symbolic height and width sized by SD1.x's U-Net layout
 * ({@link sdResidualFactor}); a symbolic channel dim is an error naming the input.
 */
export function batchedShape(
  session: ModelSession,
  info: ValueInfo,
  batch: number,
  latent?: readonly [number, number],
): number[] {
  const key = residualKey(info.name);
  const count = residualInputs(session).filter((i) => residualKey(i.name)?.startsWith('down:')).length;
  return info.shape.map((d, i) => {
    if (i === 0) return batch;
    if (typeof d === 'number') return d;
    if ((i === 2 || i === 3) && latent && key !== undefined) {
      const factor = sdResidualFactor(key, count);
      return Math.max(1, Math.ceil(latent[i - 2]! / factor));
    }
    throw new Error(
      `${session.label} input "${info.name}" has a symbolic dimension "${d}" the sampler cannot size`,
    );
  });
}

/** The timestep as the model declares it: float32 (fractional t works) or int64 (rounded). */
export function timestepTensor(session: ModelSession, t: number, batch: number): TensorData {
  const info = requireInput(session, 'timestep');
  // A model that fixes the timestep to one value ([1]) gets one; otherwise one per batch row.
  const dims = info.shape.length === 1 && info.shape[0] === 1 ? [1] : [batch];
  const count = Math.max(1, elementCount(dims));
  if (info.type === 'int64')
    return { type: 'int64', dims, data: new BigInt64Array(count).fill(BigInt(Math.round(t))) };
  if (info.type === 'int32') return { type: 'int32', dims, data: new Int32Array(count).fill(Math.round(t)) };
  if (info.type === 'float32' || info.type === undefined)
    return float32Tensor(new Float32Array(count).fill(t), dims);
  throw new Error(`${session.label} input "timestep" has type ${info.type}; expected float32 or int64`);
}

/** Repeats an [1, ...] tensor `times` along the batch dim. */
export function repeatBatch(tensor: TensorData<'float32'>, times: number): TensorData<'float32'> {
  const one = tensor.data;
  const out = new Float32Array(one.length * times);
  for (let i = 0; i < times; i++) out.set(one, i * one.length);
  return float32Tensor(out, [(tensor.dims[0] ?? 1) * times, ...tensor.dims.slice(1)]);
}

/** Concatenates [n_i, ...] tensors along the batch dim. */
export function concatBatch(tensors: readonly TensorData<'float32'>[]): TensorData<'float32'> {
  const first = tensors[0];
  if (!first) throw new Error('nothing to concatenate');
  const rest = first.dims.slice(1).join(',');
  for (const t of tensors) {
    if (t.dims.slice(1).join(',') !== rest) {
      throw new Error(
        `conditionings have different shapes: [${first.dims.join(', ')}] and [${t.dims.join(', ')}]`,
      );
    }
  }
  const out = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
  let offset = 0;
  for (const t of tensors) {
    out.set(t.data, offset);
    offset += t.data.length;
  }
  return float32Tensor(out, [tensors.reduce((n, t) => n + (t.dims[0] ?? 1), 0), ...first.dims.slice(1)]);
}

export interface HintRows {
  readonly hint: ControlHint;
  /** Per batch row: the residual scale (the hint's strength, or 0 where it does not apply). */
  readonly rowScale: readonly number[];
}

/** Whether a hint applies at `step` of `total` (fractions of the steps, inclusive start, exclusive end except at 1). */
export function hintActive(hint: ControlHint, step: number, total: number): boolean {
  const at = total <= 1 ? 0 : step / total;
  return at >= hint.start && (at < hint.end || hint.end >= 1);
}

/**
 * Adds `rowScale[b] * residual` into `sums` for every residual the ControlNet produced,
 * checking the names and shapes match the U-Net's residual inputs.
 */
export function accumulateResiduals(
  sums: Map<string, Float32Array>,
  produced: Readonly<Record<string, TensorData>>,
  rowScale: readonly number[],
  label: string,
): void {
  const byKey = residualsByKey(Object.keys(produced));
  for (const [name, sum] of sums) {
    const key = residualKey(name);
    const residual = produced[name] ?? (key === undefined ? undefined : produced[byKey.get(key) ?? '']);
    if (!residual)
      throw new Error(
        `${label} produced no "${name}", which the U-Net expects (it has: ${Object.keys(produced).join(', ')})`,
      );
    if (residual.type !== 'float32' || residual.data.length !== sum.length) {
      throw new Error(
        `${label} residual "${name}" has shape [${residual.dims.join(', ')}], the U-Net expects ${sum.length} values`,
      );
    }
    const data = residual.data as Float32Array;
    const perRow = sum.length / rowScale.length;
    for (let i = 0; i < sum.length; i++) sum[i]! += (rowScale[Math.floor(i / perRow)] ?? 0) * data[i]!;
  }
}
