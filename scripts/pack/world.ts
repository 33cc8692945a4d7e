/**
 * The shapes world: the finite set of images the reference pack's models know, and its drawing
 * rules. Everything here is closed form; the generator turns it into ONNX initializers.
 */

export const IMAGE_SIZE = 128;
export const VAE_FACTOR = 8;
export const LATENT_SIZE = IMAGE_SIZE / VAE_FACTOR; // 16
export const LATENT_CHANNELS = 4;
export const LATENT_PIXELS = LATENT_SIZE * LATENT_SIZE; // 256
export const LATENT_DIM = LATENT_CHANNELS * LATENT_PIXELS; // 1024
export const VAE_SCALING_FACTOR = 0.18215;

export const BACKGROUNDS = ['white', 'gray', 'black'] as const;
export const COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Background = (typeof BACKGROUNDS)[number];
export type Color = (typeof COLORS)[number];
export type Shape = (typeof SHAPES)[number];

/** Colours in [0,1] RGB. */
export const BACKGROUND_RGB: Record<Background, readonly [number, number, number]> = {
  white: [1, 1, 1],
  gray: [0.5, 0.5, 0.5],
  black: [0, 0, 0],
};
export const COLOR_RGB: Record<Color, readonly [number, number, number]> = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  yellow: [1, 1, 0],
};

/** Where template entities sit: one centred, or two in the left and right halves. */
export const SLOTS = {
  centre: { cx: 64, cy: 64, r: 28 },
  left: { cx: 32, cy: 64, r: 22 },
  right: { cx: 96, cy: 64, r: 22 },
} as const;
export type SlotName = keyof typeof SLOTS;
export const SLOT_NAMES: readonly SlotName[] = ['centre', 'left', 'right'];

/** Is the pixel centre (x+0.5, y+0.5) inside the shape of "radius" r centred at (cx, cy)? */
export function insideShape(shape: Shape, cx: number, cy: number, r: number, x: number, y: number): boolean {
  const dx = x + 0.5 - cx;
  const dy = y + 0.5 - cy;
  switch (shape) {
    case 'circle':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r && Math.abs(dy) <= r;
    case 'triangle': {
      // Isosceles, apex up: base 2r at cy + r, apex at cy - r.
      if (dy < -r || dy > r) return false;
      const halfWidth = (dy + r) / 2;
      return Math.abs(dx) <= halfWidth;
    }
  }
}

export interface Entity {
  shape: Shape;
  /** [0,1] RGB, so that pastel colours can be drawn too. */
  rgb: readonly [number, number, number];
  cx: number;
  cy: number;
  r: number;
}

export interface RgbImage {
  width: number;
  height: number;
  /** RGB bytes, row-major, 3 per pixel. */
  data: Uint8Array;
}

export function to8bit(v: number): number {
  return Math.max(0, Math.min(255, Math.round(v * 255)));
}

/** Draws entities (later ones on top) over a plain background; hard edges, no anti-aliasing. */
export function renderScene(
  background: readonly [number, number, number],
  entities: readonly Entity[],
  size = IMAGE_SIZE,
): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let rgb = background;
      for (const e of entities) if (insideShape(e.shape, e.cx, e.cy, e.r, x, y)) rgb = e.rgb;
      const o = (y * size + x) * 3;
      data[o] = to8bit(rgb[0]);
      data[o + 1] = to8bit(rgb[1]);
      data[o + 2] = to8bit(rgb[2]);
    }
  }
  return { width: size, height: size, data };
}

/** Binary mask (IMAGE_SIZE^2) of a shape in a slot. */
export function slotMask(slot: SlotName, shape: Shape): Uint8Array {
  const { cx, cy, r } = SLOTS[slot];
  const m = new Uint8Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = 0; y < IMAGE_SIZE; y++)
    for (let x = 0; x < IMAGE_SIZE; x++) m[y * IMAGE_SIZE + x] = insideShape(shape, cx, cy, r, x, y) ? 1 : 0;
  return m;
}

/** Average-pools a full-resolution mask to the latent grid (coverage fraction per 8x8 patch). */
export function poolToLatent(mask: ArrayLike<number>): Float64Array {
  const out = new Float64Array(LATENT_PIXELS);
  for (let y = 0; y < IMAGE_SIZE; y++)
    for (let x = 0; x < IMAGE_SIZE; x++) {
      const p = Math.floor(y / VAE_FACTOR) * LATENT_SIZE + Math.floor(x / VAE_FACTOR);
      out[p] = (out[p] as number) + (mask[y * IMAGE_SIZE + x] as number) / (VAE_FACTOR * VAE_FACTOR);
    }
  return out;
}

/**
 * The 9 slot-shape masks, index k = slotIndex * 3 + shapeIndex (centre 0-2, left 3-5, right 6-8).
 */
export const SLOT_SHAPE_COUNT = 9;
export function slotShapeIndex(slot: SlotName, shape: Shape): number {
  return SLOT_NAMES.indexOf(slot) * 3 + SHAPES.indexOf(shape);
}

/** Layouts: 3 single centred shapes, then 9 ordered (left, right) shape pairs. */
export interface Layout {
  /** slot-shape indices of entity 1 and (for pairs) entity 2 */
  slots: readonly number[];
  shapes: readonly Shape[];
}
export const LAYOUTS: readonly Layout[] = [
  ...SHAPES.map((s) => ({ slots: [slotShapeIndex('centre', s)], shapes: [s] })),
  ...SHAPES.flatMap((s1) =>
    SHAPES.map((s2) => ({
      slots: [slotShapeIndex('left', s1), slotShapeIndex('right', s2)],
      shapes: [s1, s2],
    })),
  ),
];

export interface TemplateEntity {
  shape: Shape;
  color: Color;
}
export interface Template {
  background: Background;
  entities: readonly TemplateEntity[];
  layout: number;
}

/** The 468 templates: for each background, 12 single entities then 144 ordered pairs. */
export const TEMPLATES: readonly Template[] = BACKGROUNDS.flatMap((background) => {
  const singles: Template[] = SHAPES.flatMap((shape, si) =>
    COLORS.map((color) => ({ background, entities: [{ shape, color }], layout: si })),
  );
  const pairs: Template[] = [];
  SHAPES.forEach((s1, i1) => {
    for (const c1 of COLORS)
      SHAPES.forEach((s2, i2) => {
        for (const c2 of COLORS)
          pairs.push({
            background,
            entities: [
              { shape: s1, color: c1 },
              { shape: s2, color: c2 },
            ],
            layout: 3 + i1 * 3 + i2,
          });
      });
  });
  return [...singles, ...pairs];
});

/** Entities of a template placed in their slots, for drawing. */
export function templateEntities(
  t: Template,
  palette: Record<Color, readonly [number, number, number]>,
): Entity[] {
  const slots: SlotName[] = t.entities.length === 1 ? ['centre'] : ['left', 'right'];
  return t.entities.map((e, i) => ({ shape: e.shape, rgb: palette[e.color], ...SLOTS[slots[i]!] }));
}

/**
 * The VAE's colour code: scaled latent channel k of an 8x8 patch = sum_c LATENT_MATRIX[k][c] * rgb_c,
 * with rgb in [-1,1] averaged over the patch. Every row has L1 norm 1, so scaled latents lie in [-1,1].
 */
export const LATENT_MATRIX: readonly (readonly [number, number, number])[] = [
  [1 / 3, 1 / 3, 1 / 3],
  [0.5, -0.5, 0],
  [0.25, 0.25, -0.5],
  [-0.25, 0.5, -0.25],
];

export const toSigned = (rgb01: readonly number[]): [number, number, number] => [
  rgb01[0]! * 2 - 1,
  rgb01[1]! * 2 - 1,
  rgb01[2]! * 2 - 1,
];

/** Scaled latent colour of an RGB colour given in [0,1]. */
export function latentOfColor(rgb01: readonly number[]): number[] {
  const s = toSigned(rgb01);
  return LATENT_MATRIX.map((row) => row[0] * s[0] + row[1] * s[1] + row[2] * s[2]);
}

/** The pastel LoRA's effect on a [0,1] colour at strength s. */
export function pastel(rgb01: readonly number[], s: number): [number, number, number] {
  const k = s / 2;
  return [rgb01[0]! * (1 - k) + k, rgb01[1]! * (1 - k) + k, rgb01[2]! * (1 - k) + k];
}

/**
 * Per-channel range of clean world latents (scaled space): every patch is a convex mix of the
 * backgrounds and the entity colours at any pastel strength in [0,1], so the extremes are at
 * those colours.
 */
export function latentRange(): { min: number[]; max: number[] } {
  const colors: (readonly number[])[] = [
    ...BACKGROUNDS.map((b) => BACKGROUND_RGB[b]),
    ...COLORS.flatMap((c) => [COLOR_RGB[c], pastel(COLOR_RGB[c], 1)]),
  ];
  const lats = colors.map(latentOfColor);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    min: LATENT_MATRIX.map((_, k) => round(Math.min(...lats.map((l) => l[k]!)))),
    max: LATENT_MATRIX.map((_, k) => round(Math.max(...lats.map((l) => l[k]!)))),
  };
}
