/**
 * The `controlnet-canny` example graph as users run it (image.load -> image.canny 100/200 ->
 * apply ControlNet at strength 1, dpmpp_2m + karras, 20 steps, cfg 7.5, x0 clamp), with control
 * images of entities anywhere in the frame: the example's own images and generated ones.
 */
import { describe, expect, it } from 'vitest';
import {
  BACKGROUNDS,
  type Background,
  COLORS,
  type Color,
  SHAPES,
  type Shape,
} from '../../scripts/pack/world';
import { encodePng } from '../../src/runtime/image/codec';
import { createRng, type Rng } from '../../src/runtime/rng';
import { exampleRunner, loadExample, savedImage, withParams } from '../integration/run-example';
import { checkPicture, classifyImage, type Expectation } from './world-classifier';
import { cannyNodeEdges, randomEntityImage, randomPairImage } from './world-images';

// The example's prompt: "a red triangle and a yellow triangle".
const runner = exampleRunner('cpu');

async function picture(image: string, strength = 1, seed = 7) {
  const { run } = await runner;
  const graph = withParams(loadExample('controlnet-canny'), {
    'control_image.image': image,
    'controlnet.strength': String(strength),
    'sampler.seed': String(seed),
  });
  const result = await run(graph);
  expect(result.status, result.error?.message).toBe('done');
  return classifyImage(savedImage(result).image);
}

const dataUrl = (img: Parameters<typeof encodePng>[0]) =>
  `data:image/png;base64,${Buffer.from(encodePng(img)).toString('base64')}`;

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng.nextFloat() * list.length)]!;

/** Background / colour pairs whose outline Canny 100/200 finds (see controlnet.test.ts). */
const visible = (bg: Background, c: Color) =>
  !['white yellow', 'gray red', 'gray green', 'black blue'].includes(`${bg} ${c}`);

describe('controlnet-canny example with control images anywhere in the frame', () => {
  it.each([
    ['images/green-circle-on-black.png', 'circle'],
    ['images/blue-square.png', 'square'],
    ['images/yellow-triangle.png', 'triangle'],
  ] as const)('%s gives one centred red %s', async (image, shape) => {
    for (const strength of [0.8, 1]) {
      const c = await picture(image, strength);
      expect(checkPicture(c, { entities: [{ shape, color: 'red' }] }), JSON.stringify(c)).toEqual([]);
    }
  });

  it('random single- and two-entity control images (>= 95%)', async () => {
    const rng = createRng(77);
    const failures: string[] = [];
    const total = 100;
    for (let i = 0; i < total; i++) {
      const bg = pick(rng, BACKGROUNDS);
      const colors = COLORS.filter((c) => visible(bg, c));
      let control: ReturnType<typeof randomEntityImage>;
      let expected: Expectation;
      if (i % 2 === 0) {
        const shape: Shape = SHAPES[i % 3]!;
        control = randomEntityImage(rng, bg, pick(rng, colors), shape);
        expected = { entities: [{ shape, color: 'red' }] };
      } else {
        const e1 = { color: pick(rng, colors), shape: pick(rng, SHAPES) };
        const e2 = { color: pick(rng, colors), shape: pick(rng, SHAPES) };
        control = randomPairImage(rng, bg, [e1, e2]);
        expected = {
          entities: [
            { shape: e1.shape, color: 'red' },
            { shape: e2.shape, color: 'yellow' },
          ],
        };
      }
      const c = await picture(dataUrl(control), i % 4 < 2 ? 1 : 0.8, 100 + i);
      const problems = checkPicture(c, expected);
      if (problems.length > 0) failures.push(`${i}: ${problems.join(', ')}`);
      // The graph's own canny node must see what the test's Canny sees.
      expect(cannyNodeEdges(control).data.some((v) => v > 0)).toBe(true);
    }
    console.info(`controlnet-canny example: ${total - failures.length}/${total} right`);
    expect(1 - failures.length / total, failures.join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});
