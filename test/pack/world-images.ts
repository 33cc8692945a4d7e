/** Generated input images for the tests: one entity anywhere in the frame, radius 15-40 px. */
import {
  BACKGROUND_RGB,
  type Background,
  COLOR_RGB,
  type Color,
  type Entity,
  pastel,
  type RgbImage,
  renderScene,
  type Shape,
} from '../../scripts/pack/world';
import { canny } from '../../src/runtime/image/canny';
import type { Rng } from '../../src/runtime/rng';

export function randomEntityImage(
  rng: Rng,
  bg: Background,
  color: Color,
  shape: Shape,
  pastelAmount = 0,
): RgbImage {
  const r = 15 + rng.nextFloat() * 25;
  const cx = r + 1 + rng.nextFloat() * (126 - 2 * r);
  const cy = r + 1 + rng.nextFloat() * (126 - 2 * r);
  return renderScene(BACKGROUND_RGB[bg], [
    { shape, rgb: pastel(COLOR_RGB[color], pastelAmount * 2), cx, cy, r },
  ]);
}

/**
 * Two entities, one inside each half (radius 12-28 px, anywhere in the half with `margin` px
 * to the midline and the frame), in order left, right.
 */
export function randomPairImage(
  rng: Rng,
  bg: Background,
  entities: readonly [{ color: Color; shape: Shape }, { color: Color; shape: Shape }],
  margin = 2,
): RgbImage {
  const placed: Entity[] = entities.map((e, half) => {
    const r = 12 + rng.nextFloat() * 16;
    const lo = half * 64 + margin + r;
    const hi = half * 64 + 64 - margin - r;
    return {
      shape: e.shape,
      rgb: COLOR_RGB[e.color],
      cx: lo + rng.nextFloat() * (hi - lo),
      cy: r + 1 + rng.nextFloat() * (126 - 2 * r),
      r,
    };
  });
  return renderScene(BACKGROUND_RGB[bg], placed);
}

/** The edge map the `image.canny` node makes with its defaults (thresholds 100/200, blur sigma 1). */
export function cannyNodeEdges(img: RgbImage): RgbImage {
  return canny(img, { lowThreshold: 100, highThreshold: 200 });
}
