/**
 * ControlNet canny on control images of entities anywhere in the frame, through the real pack in
 * onnxruntime-node. Edge maps come from the project's own Canny (`src/runtime/image/canny.ts`,
 * the `image.canny` node's defaults). One seed per control image, 20 steps, cfg 7, x0 clamp.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { outlineDescriptors, RESIDUAL_NAMES } from '../../scripts/pack/graphs/controlnet';
import {
  BACKGROUND_RGB,
  BACKGROUNDS,
  type Background,
  COLOR_RGB,
  COLORS,
  type Color,
  LAYOUTS,
  type RgbImage,
  renderScene,
  SHAPES,
  type Shape,
} from '../../scripts/pack/world';
import { resizeCover } from '../../src/runtime/image/transform';
import { createRng, type Rng } from '../../src/runtime/rng';
import { cannyOf, generateTempPack, Pipeline } from './pipeline';
import { checkPicture, classifyImage, type Expectation } from './world-classifier';
import { cannyNodeEdges, randomEntityImage, randomPairImage } from './world-images';

let p: Pipeline;
let uncond: Float32Array;
beforeAll(async () => {
  p = await Pipeline.open(await generateTempPack());
  uncond = await p.kosmosCondition('');
});

const hasEdges = (img: RgbImage) => img.data.some((v) => v > 0);

/**
 * Background / colour pairs whose outline Canny 100/200 finds. The others differ too little in
 * luma (yellow on white, red or green on gray, blue on black): their edge map is empty, so the
 * ControlNet has nothing to follow (see the last test).
 */
const VISIBLE: [Background, Color][] = BACKGROUNDS.flatMap((bg) =>
  COLORS.filter((c) =>
    hasEdges(
      cannyNodeEdges(
        renderScene(BACKGROUND_RGB[bg], [{ shape: 'square', rgb: COLOR_RGB[c], cx: 64, cy: 64, r: 25 }]),
      ),
    ),
  ).map((c): [Background, Color] => [bg, c]),
);

const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng.nextFloat() * list.length)]!;

/** Per-layout evidence the U-Net receives: every residual summed over its spatial dims. */
async function evidence(edges: readonly RgbImage[]): Promise<number[][]> {
  const c = p.manifest.components.controlnet.canny!;
  const session = await p.session(c.file);
  const S = 128;
  const n = edges.length;
  const x = new Float32Array(n * 3 * S * S);
  edges.forEach((img, b) => {
    for (let i = 0; i < S * S; i++)
      for (let ch = 0; ch < 3; ch++) x[(b * 3 + ch) * S * S + i] = img.data[i * 3 + ch]! / 255;
  });
  const out = await session.run({
    sample: new ort.Tensor('float32', new Float32Array(n * 1024), [n, 4, 16, 16]),
    timestep: new ort.Tensor('float32', new Float32Array(n).fill(500), [n]),
    encoder_hidden_states: new ort.Tensor('float32', new Float32Array(n * 77 * 32), [n, 77, 32]),
    controlnet_cond: new ort.Tensor('float32', x, [n, 3, S, S]),
  });
  const ev = Array.from({ length: n }, () => new Array<number>(LAYOUTS.length).fill(0));
  for (const name of RESIDUAL_NAMES) {
    const d = (out[name] as ort.Tensor).data as Float32Array;
    const per = d.length / n / LAYOUTS.length;
    for (let b = 0; b < n; b++)
      for (let L = 0; L < LAYOUTS.length; L++)
        for (let j = 0; j < per; j++) ev[b]![L]! += d[(b * LAYOUTS.length + L) * per + j]!;
  }
  return ev;
}

const layoutOf = (shapes: readonly Shape[]) =>
  LAYOUTS.findIndex((l) => l.shapes.length === shapes.length && l.shapes.every((s, i) => s === shapes[i]));

interface Case {
  control: RgbImage;
  prompt: string;
  expected: Expectation;
  strength: number;
}

/** Samples every case with its own control image (one seed each); returns the failures. */
async function run(cases: readonly Case[], sampler: 'ddim' | 'euler-karras' = 'ddim') {
  const failures: string[] = [];
  const byPrompt = new Map<string, Case[]>();
  for (const c of cases)
    byPrompt.set(`${c.prompt}|${c.strength}`, [...(byPrompt.get(`${c.prompt}|${c.strength}`) ?? []), c]);
  for (const group of byPrompt.values()) {
    const seeds = group.map((_, i) => 500 + i * 11);
    const latents = await p.sample({
      cond: await p.kosmosCondition(group[0]!.prompt),
      uncond,
      seeds,
      sampler,
      control: { image: group.map((c) => c.control), strength: group[0]!.strength },
    });
    const images = await p.decode(latents, seeds.length);
    images.forEach((img, i) => {
      const problems = checkPicture(classifyImage(img), group[i]!.expected);
      if (problems.length > 0)
        failures.push(`${group[i]!.prompt} @${group[i]!.strength}: ${problems.join(', ')}`);
    });
  }
  console.info(`controlnet: ${cases.length - failures.length}/${cases.length} right (${sampler})`);
  return { rate: 1 - failures.length / cases.length, failures };
}

const SINGLE_PROMPTS: [string, Color][] = [
  ['a red triangle and a yellow triangle', 'red'],
  ['a blue circle', 'blue'],
  ['a green square on a gray background', 'green'],
  ['a yellow triangle', 'yellow'],
];
const PAIR_PROMPTS: [string, Color, Color | undefined][] = [
  ['a red triangle and a yellow triangle', 'red', 'yellow'],
  ['a blue circle and a green circle', 'blue', 'green'],
  ['a yellow square', 'yellow', undefined],
  ['a green triangle and a red square on a black background', 'green', 'red'],
];

function singleCases(seed: number, perCombo: number): Case[] {
  const rng = createRng(seed);
  const cases: Case[] = [];
  for (const [bg, color] of VISIBLE)
    for (const shape of SHAPES)
      for (let k = 0; k < perCombo; k++) {
        const [prompt, promptColor] = pick(rng, SINGLE_PROMPTS);
        cases.push({
          control: cannyNodeEdges(randomEntityImage(rng, bg, color, shape)),
          prompt,
          strength: pick(rng, [0.8, 1]),
          expected: {
            background: prompt.includes('gray') ? 'gray' : undefined,
            entities: [{ shape, color: promptColor }],
          },
        });
      }
  return cases;
}

function pairCases(seed: number, count: number, margin = 2): Case[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, () => {
    const bg = pick(rng, BACKGROUNDS);
    const colors = VISIBLE.filter(([b]) => b === bg).map(([, c]) => c);
    const e1 = { color: pick(rng, colors), shape: pick(rng, SHAPES) };
    const e2 = { color: pick(rng, colors), shape: pick(rng, SHAPES) };
    const [prompt, c1, c2] = pick(rng, PAIR_PROMPTS);
    return {
      control: cannyNodeEdges(randomPairImage(rng, bg, [e1, e2], margin)),
      prompt,
      strength: pick(rng, [0.8, 1]),
      expected: {
        background: prompt.includes('black') ? 'black' : undefined,
        entities: [
          { shape: e1.shape, color: c1 },
          { shape: e2.shape, color: c2 },
        ],
      },
    };
  });
}

describe('ControlNet canny: descriptors of the outlines', () => {
  it('Canny 100/200 sees 8 of the 12 background / colour pairs', () => {
    expect(VISIBLE.map((v) => v.join(' '))).toEqual([
      'white red',
      'white green',
      'white blue',
      'gray blue',
      'gray yellow',
      'black red',
      'black green',
      'black yellow',
    ]);
  });

  it('picks the control layout by a wide margin for entities anywhere, any size', async () => {
    const singles = singleCases(11, 2);
    const pairs = pairCases(12, 60, 0); // outlines may reach the midline
    const cases = [...singles, ...pairs];
    const ev = await evidence(cases.map((c) => c.control));
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const want = layoutOf(c.expected.entities.map((e) => e.shape!));
      const e = ev[i]!;
      const best = e.indexOf(Math.max(...e));
      const runnerUp = Math.max(...e.filter((_, L) => L !== want));
      if (best !== want || e[want]! - runnerUp < 35) {
        const d = outlineDescriptors(
          Array.from({ length: 128 * 128 }, (_, j) => c.control.data[j * 3]! / 255),
        );
        wrong.push(`${i}: want ${want}, evidence ${e.map((v) => v.toFixed(0))}, ${JSON.stringify(d)}`);
      }
    });
    expect(wrong).toEqual([]);
  });

  it('agrees with the plain-TypeScript descriptors and reads the harness edge maps too', async () => {
    const rng = createRng(5);
    const imgs = SHAPES.map((s) => cannyOf(randomEntityImage(rng, 'white', 'blue', s)));
    const ev = await evidence(imgs);
    SHAPES.forEach((s, i) => {
      const d = outlineDescriptors(Array.from({ length: 128 * 128 }, (_, j) => imgs[i]!.data[j * 3]! / 255));
      expect(d.runs).toBe(1);
      expect(ev[i]!.indexOf(Math.max(...ev[i]!))).toBe(layoutOf([s]));
    });
  });

  it('reads Canny edges of a 512x512 image downscaled to 128 (resizeCover, area average)', async () => {
    const rng = createRng(6);
    const imgs = SHAPES.map((shape) => {
      const r = 15 + rng.nextFloat() * 25;
      const [cx, cy] = [r + 1 + rng.nextFloat() * (126 - 2 * r), r + 1 + rng.nextFloat() * (126 - 2 * r)];
      const big = renderScene(
        BACKGROUND_RGB.white,
        [{ shape, rgb: COLOR_RGB.blue, cx: 4 * cx, cy: 4 * cy, r: 4 * r }],
        512,
      );
      return resizeCover(cannyNodeEdges(big), 128, 128);
    });
    const ev = await evidence(imgs);
    SHAPES.forEach((s, i) => {
      expect(ev[i]!.indexOf(Math.max(...ev[i]!))).toBe(layoutOf([s]));
    });
  });

  it('an empty edge map gives zero residuals (no control)', async () => {
    const blank = renderScene(BACKGROUND_RGB.black, []);
    const [e] = await evidence([blank]);
    expect(e!.every((v) => v === 0)).toBe(true);
    const lowContrast = cannyNodeEdges(
      renderScene(BACKGROUND_RGB.white, [{ shape: 'circle', rgb: COLOR_RGB.yellow, cx: 50, cy: 70, r: 30 }]),
    );
    expect(hasEdges(lowContrast)).toBe(false);
  });
});

describe('ControlNet canny: sampled pictures follow the control', () => {
  it('one entity anywhere -> one centred entity of the control shape, prompt colour (>= 95%)', async () => {
    const cases = singleCases(21, 3); // 8 combos x 3 shapes x 3 = 72 control images
    const { rate, failures } = await run(cases);
    expect(rate, failures.slice(0, 5).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('two entities, one per half -> left / right shapes follow the control (>= 95%)', async () => {
    const cases = pairCases(22, 72);
    const { rate, failures } = await run(cases);
    expect(rate, failures.slice(0, 5).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('the same with Euler over Karras sigmas (fractional timesteps)', async () => {
    const cases = [...singleCases(31, 1), ...pairCases(32, 24)];
    const { rate, failures } = await run(cases, 'euler-karras');
    expect(rate, failures.slice(0, 5).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('strength 0 is no control; an agreeing prompt at strength 1 works', async () => {
    const rng = createRng(41);
    const controls = Array.from({ length: 12 }, () =>
      cannyNodeEdges(randomEntityImage(rng, 'black', 'green', 'triangle')),
    );
    const none = await run(
      controls.map((control) => ({
        control,
        prompt: 'a red circle',
        strength: 0,
        expected: { entities: [{ shape: 'circle', color: 'red' }] },
      })),
    );
    expect(none.rate, none.failures.join('\n')).toBeGreaterThanOrEqual(0.95);
    const agree = await run(
      controls.map((control) => ({
        control,
        prompt: 'a red triangle',
        strength: 1,
        expected: { entities: [{ shape: 'triangle', color: 'red' }] },
      })),
    );
    expect(agree.rate, agree.failures.join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});
