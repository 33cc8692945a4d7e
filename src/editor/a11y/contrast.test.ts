import { describe, expect, it } from 'vitest';
import { SOCKET_COLORS, SOCKET_TYPES } from '../../core/socket-types';
import { contrastRatio, MIN_TEXT_CONTRAST, parseHex, readableOn } from './contrast';
import { SOCKET_SHAPES, socketTextColor, THEME_BACKGROUNDS } from './socket-style';

/** Hue in degrees of a #rrggbb colour. */
function hue(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => c / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe('contrast', () => {
  it('gives the WCAG ratios of known pairs', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBeCloseTo(1, 5);
    // The finding: the TEXT yellow on white.
    expect(contrastRatio('#fff176', '#ffffff')).toBeCloseTo(1.16, 1);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('moves a colour just far enough to read, and keeps one that already does', () => {
    expect(readableOn('#1d2025', ['#ffffff'])).toBe('#1d2025');
    const fixed = readableOn('#fff176', ['#ffffff', '#f6f7f9']);
    const worst = Math.min(contrastRatio(fixed, '#ffffff'), contrastRatio(fixed, '#f6f7f9'));
    expect(worst).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    expect(worst).toBeLessThan(MIN_TEXT_CONTRAST + 0.2);
    expect(Math.abs(hue(fixed) - hue('#fff176'))).toBeLessThan(8);
  });

  it('every socket type name reads at 4.5:1 on every background of both themes', () => {
    for (const theme of ['light', 'dark'] as const) {
      for (const t of SOCKET_TYPES) {
        for (const bg of THEME_BACKGROUNDS[theme]) {
          expect(contrastRatio(socketTextColor(t, theme), bg), `${t} on ${bg}`).toBeGreaterThanOrEqual(4.5);
        }
      }
    }
  });

  it('socket types of near colours have different shapes', () => {
    for (const a of SOCKET_TYPES) {
      for (const b of SOCKET_TYPES) {
        if (a >= b || SOCKET_SHAPES[a] !== SOCKET_SHAPES[b]) continue;
        const d = Math.abs(hue(SOCKET_COLORS[a]) - hue(SOCKET_COLORS[b]));
        expect(Math.min(d, 360 - d), `${a} and ${b} share a shape`).toBeGreaterThan(40);
      }
    }
    expect(new Set([SOCKET_SHAPES.UNET, SOCKET_SHAPES.MLLM, SOCKET_SHAPES.MLLM_HIDDEN]).size).toBe(3);
  });
});
