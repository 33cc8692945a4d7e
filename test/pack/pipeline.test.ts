/**
 * End-to-end: the real pack through onnxruntime-node, sampled with classifier-free guidance
 * (cfg 7, 20 steps, x0 clamped to the manifest's latent range), decoded, and read back with the
 * world classifier. Every prompt form must be right for at least 95% of the seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_RGB, COLOR_RGB, renderScene, SLOTS } from '../../scripts/pack/world';
import { createRng } from '../../src/runtime/rng';
import { cannyOf, generateTempPack, Pipeline } from './pipeline';
import { checkPicture, classifyImage, type Expectation } from './world-classifier';
import { randomEntityImage } from './world-images';

const SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i * 7);

let p: Pipeline;
let uncond: Float32Array;
beforeAll(async () => {
  p = await Pipeline.open(await generateTempPack());
  uncond = await p.kosmosCondition(''); // `<s>` alone
});

async function accuracy(
  cond: Float32Array,
  expected: Expectation,
  extra: Partial<Parameters<Pipeline['sample']>[0]> = {},
): Promise<{ rate: number; failures: string[][] }> {
  const latents = await p.sample({ cond, uncond, seeds: SEEDS, ...extra });
  const images = await p.decode(latents, SEEDS.length);
  const results = images.map((img) => checkPicture(classifyImage(img), expected));
  const failures = results.filter((r) => r.length > 0);
  return { rate: 1 - failures.length / results.length, failures };
}

async function expectRight(
  cond: Float32Array,
  expected: Expectation,
  extra: Partial<Parameters<Pipeline['sample']>[0]> = {},
) {
  const { rate, failures } = await accuracy(cond, expected, extra);
  expect(rate, JSON.stringify(failures.slice(0, 3))).toBeGreaterThanOrEqual(0.95);
}

const TEXT_CASES: [string, Expectation][] = [
  ['a red circle', { entities: [{ shape: 'circle', color: 'red' }] }],
  [
    'a blue square and a yellow triangle',
    {
      entities: [
        { shape: 'square', color: 'blue' },
        { shape: 'triangle', color: 'yellow' },
      ],
    },
  ],
  [
    'a green circle on a black background',
    { background: 'black', entities: [{ shape: 'circle', color: 'green' }] },
  ],
  [
    'A Yellow Square on a WHITE background, please',
    { background: 'white', entities: [{ shape: 'square', color: 'yellow' }] },
  ],
  ['a triangle on a gray background', { background: 'gray', entities: [{ shape: 'triangle' }] }],
  ['something blue', { entities: [{ color: 'blue' }] }],
  ['a circle and a red square', { entities: [{ shape: 'circle' }, { shape: 'square', color: 'red' }] }],
];

describe('text to image (MLLM + aligner, DDIM)', () => {
  it.each(TEXT_CASES)('%s', async (prompt, expected) => {
    await expectRight(await p.kosmosCondition(prompt), expected);
  });
});

describe('fractional timesteps (Euler, Karras sigmas)', () => {
  it.each(TEXT_CASES.slice(0, 3))('%s', async (prompt, expected) => {
    await expectRight(await p.kosmosCondition(prompt), expected, { sampler: 'euler-karras' });
  });
});

describe('CLIP text encoder baseline', () => {
  it('understands text in the same space as the aligner', async () => {
    const clip = await p.clipCondition('a blue square and a yellow triangle on a gray background');
    const kosmos = await p.kosmosCondition('a blue square and a yellow triangle on a gray background');
    expect(Array.from(clip)).toEqual(Array.from(kosmos));
    await expectRight(clip, {
      background: 'gray',
      entities: [
        { shape: 'square', color: 'blue' },
        { shape: 'triangle', color: 'yellow' },
      ],
    });
  });

  it('does not understand images', async () => {
    const clip = await p.clipCondition('<i>');
    expect(Array.from(clip).every((v) => v === 0)).toBe(true);
  });
});

describe('images in the prompt', () => {
  const rng = createRng(42);
  const blueTriangle = randomEntityImage(rng, 'white', 'blue', 'triangle');
  const yellowSquare = randomEntityImage(rng, 'black', 'yellow', 'square');
  const greenCircle = randomEntityImage(rng, 'gray', 'green', 'circle');

  it('subject-driven: <i> on a black background', async () => {
    await expectRight(await p.kosmosCondition('<i> on a black background', [greenCircle]), {
      background: 'black',
      entities: [{ shape: 'circle', color: 'green' }],
    });
  });

  it('two images: <i> and <i>', async () => {
    await expectRight(await p.kosmosCondition('<i> and <i>', [blueTriangle, yellowSquare]), {
      entities: [
        { shape: 'triangle', color: 'blue' },
        { shape: 'square', color: 'yellow' },
      ],
    });
  });

  it('style: <i> in the style of <i>', async () => {
    await expectRight(await p.kosmosCondition('<i> in the style of <i>', [blueTriangle, yellowSquare]), {
      background: 'black',
      entities: [{ shape: 'triangle', color: 'blue' }],
    });
  });

  it('mixed: <i> and a red triangle', async () => {
    await expectRight(await p.kosmosCondition('<i> and a red triangle', [yellowSquare]), {
      entities: [
        { shape: 'square', color: 'yellow' },
        { shape: 'triangle', color: 'red' },
      ],
    });
  });

  it('reads each generated subject image (all colours and shapes)', async () => {
    const irng = createRng(9);
    for (const [color, shape, bg] of [
      ['red', 'square', 'gray'],
      ['yellow', 'circle', 'white'],
      ['blue', 'triangle', 'black'],
    ] as const) {
      const img = randomEntityImage(irng, bg, color, shape);
      await expectRight(await p.kosmosCondition('a picture of <i>', [img]), { entities: [{ shape, color }] });
    }
  });
});

describe('ControlNet canny', () => {
  const pair = cannyOf(
    renderScene(BACKGROUND_RGB.white, [
      { shape: 'square', rgb: COLOR_RGB.green, ...SLOTS.left },
      { shape: 'circle', rgb: COLOR_RGB.green, ...SLOTS.right },
    ]),
  );
  const triangle = cannyOf(
    renderScene(BACKGROUND_RGB.black, [{ shape: 'triangle', rgb: COLOR_RGB.red, ...SLOTS.centre }]),
  );

  it('shapes follow the outlines, colours follow the prompt', async () => {
    await expectRight(
      await p.kosmosCondition('a blue triangle on a gray background'),
      { background: 'gray', entities: [{ shape: 'triangle', color: 'blue' }] },
      { control: { image: triangle, strength: 1 } },
    );
  });

  it.each([0.8, 1])('control beats a contradicting prompt at strength %s', async (strength) => {
    await expectRight(
      await p.kosmosCondition('a red circle'),
      { entities: [{ shape: 'triangle', color: 'red' }] },
      { control: { image: triangle, strength } },
    );
    await expectRight(
      await p.kosmosCondition('a yellow triangle'),
      { entities: [{ shape: 'square', color: 'yellow' }, { shape: 'circle' }] },
      { control: { image: pair, strength } },
    );
  });

  it('strength 0 means no control', async () => {
    await expectRight(
      await p.kosmosCondition('a red circle'),
      { entities: [{ shape: 'circle', color: 'red' }] },
      { control: { image: triangle, strength: 0 } },
    );
  });
});

describe('LoRA pastel', () => {
  it.each([0, 0.5, 1])('strength %s', async (strength) => {
    await expectRight(
      await p.kosmosCondition('a red circle and a green square'),
      {
        pastel: strength / 2,
        entities: [
          { shape: 'circle', color: 'red' },
          { shape: 'square', color: 'green' },
        ],
      },
      { unetBytes: p.mergedUnet('pastel', strength) },
    );
  });
});

describe('guidance', () => {
  it('the unconditional prompt gives clean world pictures', async () => {
    const latents = await p.sample({ cond: uncond, uncond, seeds: SEEDS, cfg: 1 });
    const images = await p.decode(latents, SEEDS.length);
    for (const img of images) {
      const c = classifyImage(img);
      expect(c.background).not.toBe('unknown');
      expect(c.dirt).toBeLessThan(0.01);
      expect([1, 2]).toContain(c.entities.length);
    }
  });
});
