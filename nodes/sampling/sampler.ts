import type { NodeDefinition } from '../../src/core/node-definition';
import { epsDenoiser, type LatentRange } from '../../src/diffusion/guidance';
import { noiseImageLatent, SAMPLER_NAMES, type SamplerName, sample } from '../../src/diffusion/samplers';
import {
  DiscreteSchedule,
  denoiseSigmas,
  getSigmas,
  SCHEDULER_NAMES,
  type SchedulerName,
} from '../../src/diffusion/schedule';
import { withSession } from '../../src/runtime/models/model-services';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import { type ModelSession, requireInput } from '../../src/runtime/ort/model-session';
import { float32Tensor, type TensorData } from '../../src/runtime/ort/tensor-data';
import { Rng } from '../../src/runtime/rng';
import type { RuntimeServices } from '../../src/runtime/services';
import { numberParam, stringParam } from '../port-values';
import { floatOutput, requireFloatInput } from '../tensor-inputs';
import { type ConditioningValue, type ControlHint, type LatentValue, valueInput } from '../values';
import { latentPreview, SD15_PREVIEW_RGB_FACTORS } from './latent-preview';
import { unetSessionRequest } from './unet-model';
import {
  accumulateResiduals,
  batchedShape,
  concatBatch,
  hintActive,
  repeatBatch,
  residualInputs,
  timestepTensor,
} from './unet-runner';

function scheduleOf(pack: PackHandle): DiscreteSchedule {
  const { schedule } = pack.manifest.constants;
  if (schedule.predictionType !== 'epsilon') {
    throw new Error(
      `pack ${pack.manifest.name} predicts ${schedule.predictionType}; the sampler supports epsilon prediction`,
    );
  }
  return new DiscreteSchedule({
    numTrainTimesteps: schedule.trainSteps,
    betaStart: schedule.betaStart,
    betaEnd: schedule.betaEnd,
    betaSchedule: schedule.type,
  });
}

function latentRangeOf(pack: PackHandle, plane: number): LatentRange {
  const { min, max } = pack.manifest.constants.latentRange;
  return { min, max, channelSize: plane };
}

interface StepContext {
  readonly unet: ModelSession;
  readonly services: RuntimeServices;
  readonly positive: ConditioningValue;
  readonly negative: ConditioningValue;
  readonly batch: number;
  readonly dims: readonly number[];
  readonly guided: boolean;
  readonly total: number;
}

/** ControlNet residuals for one model call, summed over the hints active at this step. */
async function controlResiduals(
  ctx: StepContext,
  rows: number,
  sample: TensorData<'float32'>,
  timestep: number,
  hidden: TensorData<'float32'>,
  step: number,
): Promise<Record<string, TensorData>> {
  const sums = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const info of residualInputs(ctx.unet)) {
    const shape = batchedShape(ctx.unet, info, rows);
    shapes.set(info.name, shape);
    sums.set(info.name, new Float32Array(shape.reduce((a, b) => a * b, 1)));
  }
  // Rows are [uncond x batch, cond x batch] when guided, else [cond x batch].
  const halves: { hints: readonly ControlHint[]; from: number }[] = ctx.guided
    ? [
        { hints: ctx.negative.controls, from: 0 },
        { hints: ctx.positive.controls, from: ctx.batch },
      ]
    : [{ hints: ctx.positive.controls, from: 0 }];
  const unique = [...new Set(halves.flatMap((h) => h.hints))].filter((hint) =>
    hintActive(hint, step, ctx.total),
  );
  for (const hint of unique) {
    const rowScale = new Array<number>(rows).fill(0);
    for (const half of halves) {
      if (half.hints.includes(hint))
        for (let b = 0; b < ctx.batch; b++) rowScale[half.from + b] = hint.strength;
    }
    const { pack, name, component } = hint.controlnet;
    await withSession(
      ctx.services.models,
      { pack, name: `controlnet ${name}`, component },
      async (session) => {
        const feeds: Record<string, TensorData> = {
          sample,
          timestep: timestepTensor(session, timestep, rows),
          encoder_hidden_states: hidden,
          controlnet_cond: repeatBatch(hint.image, rows),
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
 * The sampler: seeded noise, a noise schedule, a k-diffusion style sampler,
 * classifier-free guidance with cond and uncond batched in one U-Net call,
 * the guided x0 clamped to the pack's latent range, ControlNet residuals on
 * the steps inside each hint's range, and a latent preview on every step.
 */
export const samplerNode: NodeDefinition<RuntimeServices> = {
  type: 'sampling.sampler',
  typeVersion: 1,
  title: 'Sampler',
  category: 'sampling',
  description: 'Denoises latents with the U-Net under classifier-free guidance.',
  inputs: [
    { name: 'unet', type: 'UNET' },
    { name: 'positive', type: 'CONDITIONING' },
    { name: 'negative', type: 'CONDITIONING' },
    { name: 'latent', type: 'LATENT' },
  ],
  outputs: [{ name: 'latent', type: 'LATENT' }],
  params: [
    { kind: 'seed', name: 'seed', label: 'Seed', default: 0 },
    { kind: 'int', name: 'steps', label: 'Steps', default: 20, min: 1, max: 150, step: 1 },
    { kind: 'float', name: 'cfg', label: 'CFG', default: 7.5, min: 0, max: 30, step: 0.1 },
    { kind: 'enum', name: 'sampler', label: 'Sampler', default: 'dpmpp_2m', options: SAMPLER_NAMES },
    { kind: 'enum', name: 'scheduler', label: 'Scheduler', default: 'karras', options: SCHEDULER_NAMES },
    { kind: 'float', name: 'denoise', label: 'Denoise', default: 1, min: 0, max: 1, step: 0.01 },
  ],
  async execute({ inputs, params, services, signal, progress }) {
    const unetValue = valueInput(inputs, 'unet', 'unet');
    const positive = valueInput(inputs, 'positive', 'conditioning');
    const negative = valueInput(inputs, 'negative', 'conditioning');
    const latent = valueInput(inputs, 'latent', 'latent');
    const { pack } = unetValue;
    const steps = numberParam(params, 'steps');
    const cfg = numberParam(params, 'cfg');
    const denoise = numberParam(params, 'denoise');
    const schedule = scheduleOf(pack);
    const scheduler = stringParam(params, 'scheduler') as SchedulerName;
    const sigmas =
      denoise >= 1
        ? getSigmas(scheduler, steps, schedule)
        : denoiseSigmas(scheduler, steps, denoise, schedule);
    const dims = latent.samples.dims;
    const [batch = 1, channels = 0, h = 0, w = 0] = dims;
    if (channels !== pack.manifest.constants.latentChannels) {
      throw new Error(
        `the latent has ${channels} channels; this U-Net expects ${pack.manifest.constants.latentChannels}`,
      );
    }
    if (sigmas.length < 2) return { outputs: { latent } };

    const rng = new Rng(numberParam(params, 'seed'));
    const noise = rng.randn(latent.samples.data.length);
    const x = noiseImageLatent(latent.samples.data, noise, sigmas[0]!);
    const guided = cfg !== 1;
    const rows = guided ? 2 * batch : batch;
    const hidden = concatBatch(
      guided
        ? [repeatBatch(negative.embeds, batch), repeatBatch(positive.embeds, batch)]
        : [repeatBatch(positive.embeds, batch)],
    );
    const factors = pack.manifest.constants.previewRgbFactors ?? SD15_PREVIEW_RGB_FACTORS;
    const total = sigmas.length - 1;

    const result = await withSession(services.models, unetSessionRequest(unetValue), async (unet) => {
      requireFloatInput(unet, 'sample', 4, 'a U-Net (sample, timestep, encoder_hidden_states in)');
      requireInput(unet, 'encoder_hidden_states');
      requireFloatInput(unet, 'sample', 4, 'a U-Net (sample, timestep, encoder_hidden_states in)');
      requireInput(unet, 'encoder_hidden_states');
      const ctx: StepContext = { unet, services, positive, negative, batch, dims, guided, total };
      let step = 0;
      const denoiser = epsDenoiser(
        async (scaled, timestep) => {
          const sampleTensor = float32Tensor(
            guided ? concatBatch([float32Tensor(scaled, dims), float32Tensor(scaled, dims)]).data : scaled,
            [rows, channels, h, w],
          );
          const residuals = await controlResiduals(ctx, rows, sampleTensor, timestep, hidden, step);
          const outputs = await unet.run({
            sample: sampleTensor,
            timestep: timestepTensor(unet, timestep, rows),
            encoder_hidden_states: hidden,
            ...residuals,
          });
          const eps = floatOutput(
            unet,
            outputs,
            unet.outputs.some((o) => o.name === 'out_sample') ? 'out_sample' : unet.outputs[0]!.name,
          ).data;
          if (!guided) return { cond: eps };
          const half = eps.length / 2;
          return { uncond: eps.subarray(0, half), cond: eps.subarray(half) };
        },
        {
          sigmaToTimestep: (sigma) => schedule.sigmaToTimestep(sigma),
          cfgScale: cfg,
          range: latentRangeOf(pack, h * w),
        },
      );
      return sample({
        sampler: stringParam(params, 'sampler') as SamplerName,
        sigmas,
        x,
        denoise: denoiser,
        rng,
        signal,
        onStep: async (index, count, _x, denoised) => {
          step = index + 1;
          await progress(index + 1, count, latentPreview(denoised, channels, h, w, factors));
        },
      });
    });
    const out: LatentValue = { kind: 'latent', samples: float32Tensor(result, dims) };
    return { outputs: { latent: out } };
  },
};
