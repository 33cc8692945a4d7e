import type { NodeDefinition } from '../../src/core/node-definition';
import { resizeCover, toChwFloat } from '../../src/runtime/image/transform';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import type { RuntimeServices } from '../../src/runtime/services';
import { imageInput, numberParam } from '../port-values';
import { type ConditioningValue, type ControlHint, valueInput } from '../values';
import { applyControlnetSpec } from './apply-controlnet.spec';

/**
 * Attaches a ControlNet hint to both conditionings (as ComfyUI's advanced
 * apply does): the sampler runs the ControlNet on each step within
 * start..end and adds its residuals, scaled by strength, to the U-Net.
 */
export const applyControlnetNode: NodeDefinition<RuntimeServices> = {
  ...applyControlnetSpec,
  async execute({ inputs, params }) {
    const positive = valueInput(inputs, 'positive', 'conditioning');
    const negative = valueInput(inputs, 'negative', 'conditioning');
    const controlnet = valueInput(inputs, 'controlnet', 'controlnet');
    const start = numberParam(params, 'start');
    const end = numberParam(params, 'end');
    if (start > end) throw new Error(`start (${start}) must not be after end (${end})`);
    const { imageSize } = controlnet.pack.models.constants;
    const source = imageInput(inputs, 'image');
    const cond = controlnet.component.inputs.find((i) => i.name === 'controlnet_cond');
    // A ControlNet with a fixed input size (or a pack's) gets the image resized to it here; one with
    // symbolic dims (imageSize 0) gets it at the size of the image being sampled, in the sampler.
    const fixed = (d: number | string | undefined) => (typeof d === 'number' ? d : imageSize);
    const [h, w] =
      imageSize === 0 && typeof cond?.shape[2] !== 'number'
        ? [source.height, source.width]
        : [fixed(cond?.shape[2]), fixed(cond?.shape[3])];
    // The control image is resized (cover + centre crop), in [0, 1].
    const image = float32Tensor(toChwFloat(resizeCover(source, w, h), { range: [0, 1] }), [1, 3, h, w]);
    const hint: ControlHint = {
      controlnet,
      image,
      source,
      strength: numberParam(params, 'strength'),
      start,
      end,
    };
    const attach = (c: ConditioningValue): ConditioningValue => ({ ...c, controls: [...c.controls, hint] });
    return { outputs: { positive: attach(positive), negative: attach(negative) } };
  },
};
