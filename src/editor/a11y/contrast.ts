/**
 * WCAG 2 contrast: relative luminance of sRGB colours and their contrast
 * ratio (1 to 21), and a colour moved just far enough toward black or white
 * to be readable on a background. A few formulas from the WCAG text, so our
 * own rather than a colour library.
 */
export const MIN_TEXT_CONTRAST = 4.5;

export type Rgb = readonly [number, number, number];

export function parseHex(hex: string): Rgb {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a #rgb or #rrggbb colour: ${hex}`);
  const h = m[1]!.length === 3 ? [...m[1]!].map((c) => c + c).join('') : m[1]!;
  return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as unknown as Rgb;
}

export function toHex(rgb: Rgb): string {
  return `#${rgb
    .map((c) =>
      Math.round(Math.min(255, Math.max(0, c)))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** WCAG relative luminance (0 black to 1 white). */
export function luminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const la = luminance(parseHex(a));
  const lb = luminance(parseHex(b));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb =>
  [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * t) as unknown as Rgb;

/**
 * `color` itself when it reads on every one of `backgrounds` at `min`, else
 * the least change of it toward black (light backgrounds) or white (dark
 * ones) that does: the hue stays, so the colour still says the socket type.
 */
export function readableOn(color: string, backgrounds: readonly string[], min = MIN_TEXT_CONTRAST): string {
  const ok = (c: string) => backgrounds.every((bg) => contrastRatio(c, bg) >= min);
  if (ok(color)) return color;
  const meanBg = backgrounds.reduce((s, bg) => s + luminance(parseHex(bg)), 0) / backgrounds.length;
  const towards: Rgb = meanBg > 0.18 ? [0, 0, 0] : [255, 255, 255];
  const from = parseHex(color);
  // Bisection on the mix amount; 20 halvings are far below one 8-bit step.
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 20; i++) {
    const t = (lo + hi) / 2;
    if (ok(toHex(mix(from, towards, t)))) hi = t;
    else lo = t;
  }
  // Rounding to 8 bits can lose a hair: step on until it passes.
  for (let t = hi; t <= 1; t += 0.01) {
    const c = toHex(mix(from, towards, t));
    if (ok(c)) return c;
  }
  return toHex(towards);
}
