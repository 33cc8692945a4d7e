import { resizeCover, toChwFloat } from '../../src/runtime/image/transform';
import { withSession } from '../../src/runtime/models/model-services';
import type { ModelSession } from '../../src/runtime/ort/model-session';
import { requireInput } from '../../src/runtime/ort/model-session';
import { float32Tensor, type TensorData } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { checkConditioningWidth } from '../prompt/conditioning-width';
import { floatOutput, requireFloatInput } from '../tensor-inputs';
import type { ConditioningValue, ControlHint } from '../values';
import {
  accumulateResiduals,
  batchedShape,
  concatBatch,
  hintActive,
  repeatBatch,
  residualInputs,
  timestepTensor,
} from './unet-runner';

/** What one U-Net call of a sampling run needs besides the latent and the timestep. */
export interface GuidedUnet {
  readonly unet: ModelSession;
  readonly services: RuntimeServices;
  readonly positive: ConditioningValue;
  readonly negative: ConditioningValue;
  /** [B, C, h, w] of the latent being sampled. */
  readonly dims: readonly number[];
  /** Classifier-free guidance: uncond and cond rows batched in one call. */
  readonly guided: boolean;
  /** Total sampler steps (for ControlNet hint ranges). */
  readonly total: number;
  /** [rows, L, C]: uncond x batch then cond x batch (guided), or cond x batch. */
  readonly hidden: TensorData<'float32'>;
  /** Whether a hint applies at a step (ComfyUI's fractions by default; diffusers' keep rule in exact mode). */
  readonly hintRule: (hint: ControlHint, step: number, total: number) => boolean;
}

/**
 * diffusers' ControlNet pipelines: a hint applies at step i of n unless i/n < start or
 * (i+1)/n > end (`controlnet_keep`).
 */
export function diffusersHintActive(hint: ControlHint, step: number, total: number): boolean {
  return !(step / total < hint.start || (step + 1) / total > hint.end);
}

export function guidedUnet(
  unet: ModelSession,
  services: RuntimeServices,
  positive: ConditioningValue,
  negative: ConditioningValue,
  dims: readonly number[],
  guided: boolean,
  total: number,
  hintRule: GuidedUnet['hintRule'] = hintActive,
): GuidedUnet {
  requireFloatInput(unet, 'sample', 4, 'a U-Net (sample, timestep, encoder_hidden_states in)');
  checkConditioningWidth(requireInput(unet, 'encoder_hidden_states'), unet.label, [positive, negative]);
  requireInput(unet, 'timestep');
  const hints = [...positive.controls, ...negative.controls];
  if (hints.length > 0 && residualInputs(unet).length === 0) {
    const from = hints[0]!.controlnet;
    throw new Error(
      `the ControlNet "${from.name}"${from.nodeId ? ` (node "${from.nodeId}")` : ''} needs a U-Net with ControlNet residual inputs, and ${unet.label} has none: export the checkpoint with \`kosmograph-export sd15 <model> --out DIR\` (its U-Net takes the 12 down-block and the mid-block residuals)`,
    );
  }
  const batch = dims[0] ?? 1;
  const hidden = concatBatch(
    guided
      ? [repeatBatch(negative.embeds, batch), repeatBatch(positive.embeds, batch)]
      : [repeatBatch(positive.embeds, batch)],
  );
  return { unet, services, positive, negative, dims, guided, total, hidden, hintRule };
}

/**
 * The hint's control image at the pixel size of the latent being sampled (latent x the VAE
 * factor) when its ControlNet sizes it then (diffusers resizes the control image to the output
 * size); otherwise as Apply ControlNet made it.
 */
function controlImage(hint: ControlHint, dims: readonly number[]): TensorData<'float32'> {
  const { constants } = hint.controlnet.pack.models;
  if (constants.imageSize !== 0 || !hint.source) return hint.image;
  const h = (dims[2] ?? 0) * constants.vaeFactor;
  const w = (dims[3] ?? 0) * constants.vaeFactor;
  if (hint.image.dims[2] === h && hint.image.dims[3] === w) return hint.image;
  return float32Tensor(toChwFloat(resizeCover(hint.source, w, h), { range: [0, 1] }), [1, 3, h, w]);
}

/** ControlNet residuals for one model call, summed over the hints active at this step. */
async function controlResiduals(
  ctx: GuidedUnet,
  rows: number,
  sample: TensorData<'float32'>,
  timestep: number,
  step: number,
): Promise<Record<string, TensorData>> {
  const batch = ctx.dims[0] ?? 1;
  const sums = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const info of residualInputs(ctx.unet)) {
    const shape = batchedShape(ctx.unet, info, rows, [ctx.dims[2] ?? 0, ctx.dims[3] ?? 0]);
    shapes.set(info.name, shape);
    sums.set(info.name, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  }
  // Rows are [uncond x batch, cond x batch] when guided, else [cond x batch].
  const halves: { hints: readonly ControlHint[]; from: number }[] = ctx.guided
    ? [
        { hints: ctx.negative.controls, from: 0 },
        { hints: ctx.positive.controls, from: batch },
      ]
    : [{ hints: ctx.positive.controls, from: 0 }];
  const unique = [...new Set(halves.flatMap((h) => h.hints))].filter((hint) =>
    ctx.hintRule(hint, step, ctx.total),
  );
  for (const hint of unique) {
    const rowScale = new Array<number>(rows).fill(0);
    for (const half of halves) {
      if (half.hints.includes(hint)) for (let b = 0; b < batch; b++) rowScale[half.from + b] = hint.strength;
    }
    const { pack, name, component } = hint.controlnet;
    await withSession(
      ctx.services.models,
      { pack, name: `controlnet ${name}`, component },
      async (session) => {
        const feeds: Record<string, TensorData> = {
          sample,
          timestep: timestepTensor(session, timestep, rows),
          encoder_hidden_states: ctx.hidden,
          controlnet_cond: repeatBatch(controlImage(hint, ctx.dims), rows),
        };
        if (session.inputs.some((i) => i.name === 'conditioning_scale')) {
          feeds.conditioning_scale = float32Tensor(Float32Array.of(1), []);
        }
        accumulateResiduals(sums, await session.run(feeds), rowScale, session.label);
      },
    );
  }
  return Object.fromEntries([...sums].map(([name, data]) => [name, float32Tensor(data, shapes.get(name)!)]));
}

/**
 * One U-Net evaluation of `input` (already scaled for the model) at `timestep`: the uncond and
 * cond predictions, batched in one call when guided, with ControlNet residuals of step `step`.
 */
export async function predict(
  ctx: GuidedUnet,
  input: Float32Array,
  timestep: number,
  step: number,
): Promise<{ cond: Float32Array; uncond?: Float32Array }> {
  const [batch = 1, channels = 0, h = 0, w = 0] = ctx.dims;
  const rows = ctx.guided ? 2 * batch : batch;
  const sampleTensor = float32Tensor(
    ctx.guided ? concatBatch([float32Tensor(input, ctx.dims), float32Tensor(input, ctx.dims)]).data : input,
    [rows, channels, h, w],
  );
  const residuals = await controlResiduals(ctx, rows, sampleTensor, timestep, step);
  const { unet } = ctx;
  const outputs = await unet.run({
    sample: sampleTensor,
    timestep: timestepTensor(unet, timestep, rows),
    encoder_hidden_states: ctx.hidden,
    ...residuals,
  });
  const eps = floatOutput(
    unet,
    outputs,
    unet.outputs.some((o) => o.name === 'out_sample') ? 'out_sample' : unet.outputs[0]!.name,
  ).data;
  if (!ctx.guided) return { cond: eps };
  const half = eps.length / 2;
  return { uncond: eps.subarray(0, half), cond: eps.subarray(half) };
}
