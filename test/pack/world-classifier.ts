/**
 * Test-side reader of shapes-world pictures (independent of the pack's graphs): background,
 * then each entity (connected foreground region) with its shape, colour, pastel amount and
 * position, plus how clean the picture is.
 */

export interface RgbImageLike {
  width: number;
  height: number;
  data: Uint8Array;
}

export type ClassBackground = 'white' | 'gray' | 'black' | 'unknown';
export type ClassColor = 'red' | 'green' | 'blue' | 'yellow';
export type ClassShape = 'circle' | 'square' | 'triangle';

export interface ClassifiedEntity {
  shape: ClassShape;
  color: ClassColor;
  /** estimated mix with white: 0 = pure colour, 1 = white */
  pastel: number;
  /** how far the region's mean colour is from the fitted colour (0..1 scale per channel) */
  colorError: number;
  area: number;
  cx: number;
  cy: number;
  compactness: number;
}

export interface Classification {
  background: ClassBackground;
  /** entities sorted left to right */
  entities: ClassifiedEntity[];
  /** fraction of pixels that are neither background nor close to their region's mean colour */
  dirt: number;
  /** foreground pixels in regions too small to be an entity */
  specks: number;
}

const BG: Record<Exclude<ClassBackground, 'unknown'>, [number, number, number]> = {
  white: [255, 255, 255],
  gray: [128, 128, 128],
  black: [0, 0, 0],
};
const PALETTE: Record<ClassColor, [number, number, number]> = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  yellow: [1, 1, 0],
};

const dist2 = (d: Uint8Array, o: number, c: readonly number[]) =>
  (d[o]! - c[0]!) ** 2 + (d[o + 1]! - c[1]!) ** 2 + (d[o + 2]! - c[2]!) ** 2;

/** Best palette colour and pastel amount a for rgb01 ~ (1 - a) c + a white. */
export function fitColor(rgb01: readonly number[]): { color: ClassColor; pastel: number; error: number } {
  let best = { color: 'red' as ClassColor, pastel: 0, error: Number.POSITIVE_INFINITY };
  for (const [name, c] of Object.entries(PALETTE) as [ClassColor, [number, number, number]][]) {
    let num = 0;
    let den = 0;
    for (let k = 0; k < 3; k++) {
      num += (rgb01[k]! - c[k]!) * (1 - c[k]!);
      den += (1 - c[k]!) ** 2;
    }
    const a = Math.max(0, Math.min(1, num / den));
    const err = Math.sqrt(c.reduce((s, v, k) => s + (rgb01[k]! - ((1 - a) * v + a)) ** 2, 0) / 3);
    if (err < best.error) best = { color: name, pastel: a, error: err };
  }
  return best;
}

export function classifyShape(compactness: number): ClassShape {
  if (compactness > 0.9) return 'square';
  if (compactness > 0.64) return 'circle';
  return 'triangle';
}

export function classifyImage(img: RgbImageLike, minArea = 40): Classification {
  const { width: W, height: H, data } = img;
  const N = W * H;
  // Background: the background colour most pixels are close to.
  let background: ClassBackground = 'unknown';
  let bestCount = 0;
  let bgRgb: readonly number[] = [0, 0, 0];
  for (const [name, c] of Object.entries(BG) as [Exclude<ClassBackground, 'unknown'>, number[]][]) {
    let n = 0;
    for (let i = 0; i < N; i++) if (dist2(data, i * 3, c) < 3 * 24 * 24) n++;
    if (n > bestCount) {
      bestCount = n;
      background = name;
      bgRgb = c;
    }
  }
  if (bestCount < N * 0.3) background = 'unknown';
  const fg = new Uint8Array(N);
  for (let i = 0; i < N; i++) fg[i] = dist2(data, i * 3, bgRgb) >= 3 * 24 * 24 ? 1 : 0;

  // Connected components (4-neighbourhood).
  const label = new Int32Array(N).fill(-1);
  const regions: number[][] = [];
  for (let i = 0; i < N; i++) {
    if (!fg[i] || label[i]! >= 0) continue;
    const id = regions.length;
    const pixels: number[] = [];
    const stack = [i];
    label[i] = id;
    while (stack.length > 0) {
      const p = stack.pop()!;
      pixels.push(p);
      const x = p % W;
      const y = (p - x) / W;
      for (const [nx, ny] of [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ] as const) {
        if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue;
        const q = ny * W + nx;
        if (fg[q] && label[q]! < 0) {
          label[q] = id;
          stack.push(q);
        }
      }
    }
    regions.push(pixels);
  }

  let specks = 0;
  let dirty = 0;
  const entities: ClassifiedEntity[] = [];
  for (const pixels of regions) {
    if (pixels.length < minArea) {
      specks += pixels.length;
      continue;
    }
    const mean = [0, 0, 0];
    let minX = W;
    let maxX = 0;
    let minY = H;
    let maxY = 0;
    let sx = 0;
    let sy = 0;
    for (const p of pixels) {
      for (let k = 0; k < 3; k++) mean[k]! += data[p * 3 + k]!;
      const x = p % W;
      const y = (p - x) / W;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      sx += x;
      sy += y;
    }
    for (let k = 0; k < 3; k++) mean[k] = mean[k]! / pixels.length;
    for (const p of pixels) if (dist2(data, p * 3, mean) > 3 * 20 * 20) dirty++;
    const fit = fitColor(mean.map((v) => v / 255));
    const compactness = pixels.length / ((maxX - minX + 1) * (maxY - minY + 1));
    entities.push({
      shape: classifyShape(compactness),
      color: fit.color,
      pastel: fit.pastel,
      colorError: fit.error,
      area: pixels.length,
      cx: sx / pixels.length + 0.5,
      cy: sy / pixels.length + 0.5,
      compactness,
    });
  }
  entities.sort((a, b) => a.cx - b.cx);
  return { background, entities, dirt: (dirty + specks) / N, specks };
}

export interface Expectation {
  background?: Exclude<ClassBackground, 'unknown'>;
  /** entities left to right; undefined attributes mean "any" */
  entities: readonly { shape?: ClassShape; color?: ClassColor }[];
  /** expected pastel amount (default 0) and tolerance */
  pastel?: number;
}

/** Checks a classification against an expectation; returns a list of problems (empty = right). */
export function checkPicture(c: Classification, e: Expectation, size = 128): string[] {
  const problems: string[] = [];
  if (c.background === 'unknown') problems.push('no background');
  else if (e.background && c.background !== e.background)
    problems.push(`background ${c.background} != ${e.background}`);
  if (c.dirt > 0.01) problems.push(`dirty (${(c.dirt * 100).toFixed(1)}%)`);
  if (c.entities.length !== e.entities.length) {
    problems.push(`${c.entities.length} entities != ${e.entities.length}`);
    return problems;
  }
  const pastel = e.pastel ?? 0;
  c.entities.forEach((got, i) => {
    const want = e.entities[i]!;
    if (want.shape && got.shape !== want.shape)
      problems.push(`entity ${i + 1} shape ${got.shape} != ${want.shape}`);
    if (want.color && got.color !== want.color)
      problems.push(`entity ${i + 1} color ${got.color} != ${want.color}`);
    if (Math.abs(got.pastel - pastel) > 0.1)
      problems.push(`entity ${i + 1} pastel ${got.pastel.toFixed(2)} != ${pastel}`);
    if (got.colorError > 0.08)
      problems.push(`entity ${i + 1} off-palette colour (err ${got.colorError.toFixed(2)})`);
    const half = size / 2;
    if (e.entities.length === 1 && Math.hypot(got.cx - half, got.cy - half) > size * 0.1)
      problems.push('single entity not centred');
    if (e.entities.length === 2 && (i === 0 ? got.cx > half : got.cx < half))
      problems.push(`entity ${i + 1} in the wrong half`);
  });
  return problems;
}
