import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { exampleRunner, savedFile, savedImage } from '../integration/run-example';
import {
  GOLDEN_SCHEDULERS,
  goldenImage,
  goldenTensor,
  LAYOUTS,
  type Layout,
  maxAbsDiff,
  meanAbsDiff,
  text2imageGraph,
} from './sd15-graphs';

/** The tolerances: final latents vs diffusers (fp32, fp16), decoded images (mean, in [0, 1]). */
const LATENT_TOLERANCE: Readonly<Record<Layout, number>> = {
  optimum: 1e-3,
  'diffusers-onnx': 1e-3,
  fp16: 2e-2,
};
const IMAGE_TOLERANCE = 1 / 255;

describe('SD1.5 checkpoints against the diffusers pipeline (10 steps, cfg 7.5, negative prompt)', () => {
  let runner: Awaited<ReturnType<typeof exampleRunner>>;
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });

  for (const layout of LAYOUTS.filter((l) => l !== 'fp16')) {
    it.each(GOLDEN_SCHEDULERS)(`${layout}: %s gives diffusers' latents and image`, async (key) => {
      const result = await runner.run(text2imageGraph(layout, key));
      expect(result.status, result.error?.message).toBe('done');
      const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out');
      const want = goldenTensor(`${key}.latent`, 'latent_tensor');
      expect(maxAbsDiff(latent.samples.data, want)).toBeLessThanOrEqual(LATENT_TOLERANCE[layout]);
      const image = savedImage(result, 'save').image;
      const golden = goldenImage(`${key}.png`);
      expect([image.width, image.height]).toEqual([golden.width, golden.height]);
      expect(meanAbsDiff(image.data, golden.data) / 255).toBeLessThanOrEqual(IMAGE_TOLERANCE);
    });
  }
});
