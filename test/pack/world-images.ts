/** Generated input images for the tests: one entity anywhere in the frame, radius 15-40 px. */
import {
  BACKGROUND_RGB,
  type Background,
  COLOR_RGB,
  type Color,
  pastel,
  type RgbImage,
  renderScene,
  type Shape,
} from '../../scripts/pack/world';
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
