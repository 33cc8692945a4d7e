import type { NodeDefinition } from '../../src/core/node-definition';
import {
  createDiffusersScheduler,
  type DiffusersScheduler,
  type DiffusersSchedulerName,
  img2imgStartIndex,
  parseSchedulerConfig,
  type SchedulerConfig,
} from '../../src/diffusion/diffusers';
import { epsDenoiser, type LatentRange } from '../../src/diffusion/guidance';
import { noiseImageLatent, type SamplerName, sample } from '../../src/diffusion/samplers';
import { DiscreteSchedule, denoiseSigmas, getSigmas, type SchedulerName } from '../../src/diffusion/schedule';
import { withSession } from '../../src/runtime/models/model-services';
import type { ModelSet } from '../../src/runtime/models/model-set';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import { Rng } from '../../src/runtime/rng';
import type { RuntimeServices } from '../../src/runtime/services';
import { numberParam, stringParam } from '../port-values';
import { conditioningWidthIssues, loaderOfFact } from '../prompt/conditioning-width-fact';
import { type LatentValue, optionalValueInput, valueInput } from '../values';
import { diffusersLoop } from './diffusers-loop';
import { diffusersHintActive, guidedUnet, predict } from './guided-unet';
import { isLatentSizeFact, latentFitIssues, packOfFact } from './latent-fit';
import { latentPreview, SD15_PREVIEW_RGB_FACTORS } from './latent-preview';
import { samplerSpec } from './sampler.spec';
import { stepEta } from './step-eta';
import { unetSessionRequest } from './unet-model';

const DIFFUSERS_SAMPLERS: readonly string[] = ['ddim', 'pndm', 'euler', 'dpmpp_2m'];

function schedulerConfig(models: ModelSet): SchedulerConfig {
  return parseSchedulerConfig(models.scheduler, `${models.schedulerFile} of ${models.name}`);
}

/** The training schedule in sigma space (for ComfyUI-style schedules). */
function discreteSchedule(models: ModelSet, config: SchedulerConfig): DiscreteSchedule {
  const prediction = config.prediction_type ?? 'epsilon';
  if (prediction !== 'epsilon') {
    throw new Error(
      `${models.name} predicts ${prediction}; ComfyUI-style schedules support epsilon prediction here: choose scheduler "diffusers"`,
    );
  }
  const beta = config.beta_schedule ?? 'linear';
  if (beta !== 'linear' && beta !== 'scaled_linear') {
    throw new Error(
      `${models.schedulerFile} of ${models.name}: beta_schedule "${beta}" works with scheduler "diffusers" only`,
    );
  }
  return new DiscreteSchedule({
    numTrainTimesteps: config.num_train_timesteps ?? 1000,
    betaStart: config.beta_start ?? 0.0001,
    betaEnd: config.beta_end ?? 0.02,
    betaSchedule: beta,
  });
}

function latentRangeOf(models: ModelSet, plane: number): LatentRange | undefined {
  const range = models.constants.latentRange;
  return range ? { min: range.min, max: range.max, channelSize: plane } : undefined;
}

/** The diffusers scheduler a sampler + scheduler choice names, or an error naming the params. */
function diffusersName(sampler: string, scheduler: string): DiffusersSchedulerName {
  if (!DIFFUSERS_SAMPLERS.includes(sampler)) {
    throw new Error(
      `param "sampler": ${sampler} has no diffusers scheduler; with scheduler "${scheduler}" choose ${DIFFUSERS_SAMPLERS.join(', ')}`,
    );
  }
  if (scheduler === 'diffusers_karras') {
    if (sampler !== 'dpmpp_2m')
      throw new Error(`param "scheduler": diffusers_karras is DPM++ 2M Karras; set sampler to dpmpp_2m`);
    return 'dpmpp_2m_karras';
  }
  return sampler as DiffusersSchedulerName;
}

/**
 * The sampler: seeded noise (or a given noise latent), a noise schedule, classifier-free guidance
 * with cond and uncond batched in one U-Net call, ControlNet residuals on the steps inside each
 * hint's range, and a latent preview on every step. Two families of schedules:
 * - ComfyUI's (normal, karras, exponential, sgm_uniform) with k-diffusion style samplers in sigma
 *   space; the guided x0 is clamped to the source's latent range when it declares one;
 * - `diffusers` / `diffusers_karras`: the checkpoint's scheduler config run by an exact port of
 *   diffusers' DDIM, PNDM, Euler or DPM-Solver++ scheduler, so the numbers are diffusers'.
 */
export const samplerNode: NodeDefinition<RuntimeServices> = {
  ...samplerSpec,
  // The latent's size against the U-Net's fixed input dims, before the job runs (no session).
  // and the conditioning's declared width (an aligner's) against the U-Net's.
  preflight({ inputs }) {
    const unet = packOfFact(inputs.unet);
    if (!unet) return {};
    const latent = inputs.latent;
    return {
      issues: [
        ...(isLatentSizeFact(latent) ? latentFitIssues(unet, latent) : []),
        ...conditioningWidthIssues(unet, loaderOfFact(inputs.unet), {
          positive: inputs.positive,
          negative: inputs.negative,
        }),
      ],
    };
  },
  async execute({ inputs, params, services, signal, progress, warn, stage }) {
    const unetValue = valueInput(inputs, 'unet', 'unet');
    const positive = valueInput(inputs, 'positive', 'conditioning');
    const negative = valueInput(inputs, 'negative', 'conditioning');
    const latent = valueInput(inputs, 'latent', 'latent');
    const noiseInput = optionalValueInput(inputs, 'noise', 'latent');
    const models = unetValue.pack.models;
    const steps = numberParam(params, 'steps');
    const cfg = numberParam(params, 'cfg');
    const denoise = numberParam(params, 'denoise');
    const samplerName = stringParam(params, 'sampler');
    const schedulerName = stringParam(params, 'scheduler');
    const addNoise = stringParam(params, 'add_noise') !== 'disable';
    const dims = latent.samples.dims;
    const [, channels = 0, h = 0, w = 0] = dims;
    if (channels !== models.constants.latentChannels) {
      throw new Error(
        `the latent has ${channels} channels; this U-Net expects ${models.constants.latentChannels}`,
      );
    }
    const config = schedulerConfig(models);
    const exact = schedulerName === 'diffusers' || schedulerName === 'diffusers_karras';
    if (!exact && samplerName === 'pndm') {
      throw new Error(
        'param "sampler": pndm exists only as diffusers\' scheduler; set scheduler to "diffusers"',
      );
    }
    let diffusers: { scheduler: DiffusersScheduler; start: number } | undefined;
    let sigmas: Float64Array | undefined;
    let schedule: DiscreteSchedule | undefined;
    if (exact) {
      const scheduler = createDiffusersScheduler(diffusersName(samplerName, schedulerName), config, steps);
      const start = denoise >= 1 ? 0 : img2imgStartIndex(scheduler, steps, denoise);
      if (start >= scheduler.timesteps.length || denoise <= 0) return { outputs: { latent } };
      diffusers = { scheduler, start };
    } else {
      schedule = discreteSchedule(models, config);
      const comfy = schedulerName as SchedulerName;
      sigmas =
        denoise >= 1 ? getSigmas(comfy, steps, schedule) : denoiseSigmas(comfy, steps, denoise, schedule);
      if (sigmas.length < 2) return { outputs: { latent } };
    }

    const rng = new Rng(numberParam(params, 'seed'));
    let noise: Float32Array | undefined;
    if (addNoise) {
      if (noiseInput) {
        if (noiseInput.samples.data.length !== latent.samples.data.length) {
          throw new Error(
            `input "noise" has shape [${noiseInput.samples.dims.join(', ')}]; the latent has [${dims.join(', ')}]`,
          );
        }
        noise = noiseInput.samples.data;
      } else {
        noise = rng.randn(latent.samples.data.length);
      }
    }
    const guided = cfg !== 1;
    const factors = models.constants.previewRgbFactors ?? SD15_PREVIEW_RGB_FACTORS;
    const total = diffusers ? diffusers.scheduler.timesteps.length - diffusers.start : sigmas!.length - 1;
    let eta: ReturnType<typeof stepEta> | undefined;
    const preview = (index: number, count: number, x0: Float32Array) => {
      const etaMs = eta?.(index, count);
      stage?.({ stage: 'running', step: index, total: count, ...(etaMs !== undefined ? { etaMs } : {}) });
      return progress(index, count, latentPreview(x0, channels, h, w, factors));
    };

    const result = await withSession(services.models, unetSessionRequest(unetValue, warn), async (unet) => {
      // Timed from here: loading and compiling the U-Net are stages of their own.
      eta = stepEta();
      stage?.({ stage: 'running', step: 0, total });
      const ctx = guidedUnet(
        unet,
        services,
        positive,
        negative,
        dims,
        guided,
        total,
        diffusers ? diffusersHintActive : undefined,
      );
      if (diffusers) {
        return diffusersLoop(ctx, {
          ...diffusers,
          cfg,
          latent: latent.samples.data,
          noise,
          signal,
          onStep: preview,
        });
      }
      const sigmaTable = sigmas!;
      const discrete = schedule!;
      const x = noise ? noiseImageLatent(latent.samples.data, noise, sigmaTable[0]!) : latent.samples.data;
      let step = 0;
      const denoiser = epsDenoiser((scaled, timestep) => predict(ctx, scaled, timestep, step), {
        sigmaToTimestep: (sigma) => discrete.sigmaToTimestep(sigma),
        cfgScale: cfg,
        range: latentRangeOf(models, h * w),
      });
      return sample({
        sampler: samplerName as SamplerName,
        sigmas: sigmaTable,
        x,
        denoise: denoiser,
        rng,
        signal,
        onStep: async (index, count, _x, denoised) => {
          step = index + 1;
          await preview(index + 1, count, denoised);
        },
      });
    });
    const out: LatentValue = { kind: 'latent', samples: float32Tensor(result, dims) };
    return { outputs: { latent: out } };
  },
};
