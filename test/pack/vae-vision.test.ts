import { beforeAll, describe, expect, it } from 'vitest';
import {
  BACKGROUND_RGB,
  BACKGROUNDS,
  COLOR_RGB,
  COLORS,
  pastel,
  renderScene,
  SHAPES,
  TEMPLATES,
  templateEntities,
} from '../../scripts/pack/world';
import { createRng } from '../../src/runtime/rng';
import { generateTempPack, Pipeline } from './pipeline';
import { checkPicture, classifyImage } from './world-classifier';
import { randomEntityImage } from './world-images';

let p: Pipeline;
beforeAll(async () => {
  p = await Pipeline.open(await generateTempPack());
});

describe('VAE', () => {
  it('round-trips every template image exactly, and pastel ones', async () => {
    const pastelPalette = Object.fromEntries(
      COLORS.map((c) => [c, pastel(COLOR_RGB[c], 0.7)]),
    ) as unknown as typeof COLOR_RGB;
    const images = [
      ...TEMPLATES.filter((_, i) => i % 4 === 0).map((t) =>
        renderScene(BACKGROUND_RGB[t.background], templateEntities(t, COLOR_RGB)),
      ),
      ...TEMPLATES.filter((_, i) => i % 20 === 1).map((t) =>
        renderScene(BACKGROUND_RGB[t.background], templateEntities(t, pastelPalette)),
      ),
    ];
    for (let i = 0; i < images.length; i += 40) {
      const chunk = images.slice(i, i + 40);
      const decoded = await p.decode(await p.encodeLatents(chunk), chunk.length);
      decoded.forEach((d, j) => {
        let maxDiff = 0;
        for (let k = 0; k < d.data.length; k++)
          maxDiff = Math.max(maxDiff, Math.abs(d.data[k]! - chunk[j]!.data[k]!));
        expect(maxDiff).toBeLessThanOrEqual(1);
      });
    }
  });

  it('keeps off-world latents looking dirty instead of snapping them to a template', async () => {
    const t = TEMPLATES[3]!;
    const latent = await p.encodeLatents([
      renderScene(BACKGROUND_RGB[t.background], templateEntities(t, COLOR_RGB)),
    ]);
    const rng = createRng(3);
    const noisy = latent.map((v) => v + rng.normal() * 0.6);
    const [img] = await p.decode(noisy, 1);
    expect(checkPicture(classifyImage(img!), { background: t.background, entities: t.entities })).not.toEqual(
      [],
    );
    expect(classifyImage(img!).dirt).toBeGreaterThan(0.01);
  });
});

describe('vision tower', () => {
  it('reads background, colour and shape of entities anywhere in the frame', async () => {
    const rng = createRng(11);
    const cases = BACKGROUNDS.flatMap((bg) =>
      COLORS.flatMap((color) => SHAPES.flatMap((shape) => [0, 1, 2].map(() => ({ bg, color, shape })))),
    );
    const images = cases.map((c) => randomEntityImage(rng, c.bg, c.color, c.shape));
    const embeds = (await p.embedImages(images)).data as Float32Array;
    const { imageTokensPerImage: T, mllmHiddenSize: D } = p.manifest.constants;
    const argmax = (a: number[]) => a.indexOf(Math.max(...a));
    let right = 0;
    cases.forEach((c, i) => {
      const v = Array.from(embeds.subarray(i * T * D, i * T * D + D));
      if (
        argmax(v.slice(0, 4)) === COLORS.indexOf(c.color) &&
        argmax(v.slice(4, 7)) === SHAPES.indexOf(c.shape) &&
        argmax(v.slice(13, 16)) === BACKGROUNDS.indexOf(c.bg)
      )
        right++;
    });
    expect(right / cases.length).toBeGreaterThanOrEqual(0.98);
  });
});
