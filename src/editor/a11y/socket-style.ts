import { SOCKET_COLORS, SOCKET_TYPES, type SocketType } from '../../core/socket-types';
import { readableOn } from './contrast';

/**
 * Socket types are told apart by shape as well as colour (UNET, MLLM and
 * MLLM_HIDDEN are all purple; colour-blind users see fewer hues still): each
 * handle is drawn as its type's shape, and the legend shows the same shapes.
 */
export const SHAPES = [
  'circle',
  'square',
  'diamond',
  'triangle',
  'hexagon',
  'pentagon',
  'star',
  'cross',
] as const;
export type Shape = (typeof SHAPES)[number];

export const SOCKET_SHAPES: Record<SocketType, Shape> = {
  IMAGE: 'square',
  MASK: 'diamond',
  TEXT: 'circle',
  PROMPT: 'pentagon',
  MLLM_HIDDEN: 'triangle',
  CONDITIONING: 'diamond',
  LATENT: 'circle',
  UNET: 'hexagon',
  VAE: 'triangle',
  CONTROLNET: 'star',
  LORA: 'cross',
  CLIP: 'square',
  MLLM: 'star',
  ALIGNER: 'pentagon',
  MODEL_PACK: 'hexagon',
  INT: 'diamond',
  FLOAT: 'circle',
  STRING: 'hexagon',
  BOOLEAN: 'cross',
};

/** The CSS `clip-path` of each shape (the circle is a rounded box instead, which keeps its border). */
const CLIP: Record<Shape, string | undefined> = {
  circle: undefined,
  square: undefined,
  diamond: 'polygon(50% 0, 100% 50%, 50% 100%, 0 50%)',
  triangle: 'polygon(50% 0, 100% 100%, 0 100%)',
  hexagon: 'polygon(25% 0, 75% 0, 100% 50%, 75% 100%, 25% 100%, 0 50%)',
  pentagon: 'polygon(50% 0, 100% 38%, 82% 100%, 18% 100%, 0 38%)',
  star: 'polygon(50% 0, 62% 35%, 100% 38%, 70% 60%, 80% 100%, 50% 76%, 20% 100%, 30% 60%, 0 38%, 38% 35%)',
  cross:
    'polygon(33% 0, 67% 0, 67% 33%, 100% 33%, 100% 67%, 67% 67%, 67% 100%, 33% 100%, 33% 67%, 0 67%, 0 33%, 33% 33%)',
};

/** Inline style of a handle or legend swatch of `type`: its colour and its shape. */
export function socketShapeStyle(type: SocketType): {
  background: string;
  borderRadius: string;
  clipPath?: string;
} {
  const shape = SOCKET_SHAPES[type];
  const clip = CLIP[shape];
  return {
    background: SOCKET_COLORS[type],
    borderRadius: shape === 'circle' ? '50%' : '2px',
    ...(clip ? { clipPath: clip } : {}),
  };
}

/** The backgrounds socket-type names are printed on (nodes, panels), per theme (see editor.css). */
export const THEME_BACKGROUNDS = {
  light: ['#ffffff', '#f6f7f9', '#eef1f5'],
  dark: ['#25292e', '#1e2125', '#15171a', '#2e333a'],
} as const;

/** The colour a socket type's name is printed in: its own hue, dark or light enough to read (4.5:1). */
export function socketTextColor(type: SocketType, theme: keyof typeof THEME_BACKGROUNDS): string {
  return readableOn(SOCKET_COLORS[type], THEME_BACKGROUNDS[theme]);
}

/** The CSS variable a socket type's text colour is in (set by `socketTextCss`). */
export const socketTextVar = (type: SocketType): string => `var(--kg-socket-${type})`;

/** The style sheet that defines every `--kg-socket-*` variable for the light and the dark theme. */
export function socketTextCss(): string {
  const vars = (theme: keyof typeof THEME_BACKGROUNDS) =>
    SOCKET_TYPES.map((t) => `--kg-socket-${t}: ${socketTextColor(t, theme)};`).join(' ');
  return `:root { ${vars('light')} }\n@media (prefers-color-scheme: dark) { :root { ${vars('dark')} } }`;
}

/** Puts the socket text colours in the page (once). */
export function installSocketTextColors(): void {
  if (typeof document === 'undefined' || document.getElementById('kg-socket-colors')) return;
  const style = document.createElement('style');
  style.id = 'kg-socket-colors';
  style.textContent = socketTextCss();
  document.head.append(style);
}
