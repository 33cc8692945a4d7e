import { describe, expect, it } from 'vitest';
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
import { checkPicture, classifyImage } from './world-classifier';
import { randomEntityImage } from './world-images';

describe('world classifier', () => {
  it('reads every template picture correctly', () => {
    for (const t of TEMPLATES) {
      const img = renderScene(BACKGROUND_RGB[t.background], templateEntities(t, COLOR_RGB));
      const problems = checkPicture(classifyImage(img), { background: t.background, entities: t.entities });
      expect(problems, JSON.stringify(t)).toEqual([]);
    }
  });

  it('reads single entities anywhere, of any size, and pastel amounts', () => {
    const rng = createRng(1);
    for (const bg of BACKGROUNDS)
      for (const color of COLORS)
        for (const shape of SHAPES)
          for (const amount of [0, 0.25, 0.5]) {
            const c = classifyImage(randomEntityImage(rng, bg, color, shape, amount));
            expect(c.background).toBe(bg);
            expect(c.entities).toHaveLength(1);
            expect(c.entities[0]).toMatchObject({ color, shape });
            expect(c.entities[0]!.pastel).toBeCloseTo(amount, 1);
          }
  });

  it('flags dirty pictures and wrong expectations', () => {
    const t = TEMPLATES[0]!;
    const img = renderScene(
      BACKGROUND_RGB[t.background],
      templateEntities(t, { ...COLOR_RGB, red: pastel([1, 0, 0], 1) }),
    );
    expect(checkPicture(classifyImage(img), { entities: [{ color: 'red' }] })).toEqual([
      'entity 1 pastel 0.50 != 0',
    ]);
    const rng = createRng(2);
    const noisy = {
      ...img,
      data: img.data.map((v) => Math.max(0, Math.min(255, v + (rng.nextFloat() - 0.5) * 200))),
    };
    expect(checkPicture(classifyImage(noisy), { entities: t.entities }).join()).toMatch(
      /dirty|entities|background/,
    );
    expect(checkPicture(classifyImage(img), { entities: [{ shape: 'square' }], pastel: 0.5 })).toEqual([
      'entity 1 shape circle != square',
    ]);
  });
});
