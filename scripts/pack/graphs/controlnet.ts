/**
 * ControlNet (canny): per-layout evidence from the control image's outlines.
 *
 * The edge map (channel mean of `controlnet_cond`, white edges on black) is average-pooled to
 * 16x16, 8x8, 4x4 and 2x2 and unit-normalised; each of the 12 layouts has its outline (boundary
 * of its shape masks) pooled and normalised the same way. Residual i at resolution r is the
 * per-pixel product edge_r * outline_r(layout) * gain/13: the U-Net sums it spatially, i.e. it
 * receives gain x (mean cosine similarity) per layout, which biases its prior towards the
 * templates whose outlines match. Colours are untouched, so they follow the prompt. The gain is
 * calibrated so that, at conditioning scale 0.8, the matching layout beats a prompt that
 * contradicts it in both entity count and shape. `sample`, `timestep` and
 * `encoder_hidden_states` are accepted as in SD1.5 ControlNets; this closed form does not need them.
 */
import { CONSTRAINT_PENALTY } from '../features';
import { GraphBuilder, int, ints, type ValueSpec } from '../onnx-builder';
import { IMAGE_SIZE, LAYOUTS, SHAPES, SLOT_NAMES, slotMask } from '../world';
import { DOWN_RESOLUTIONS, downResidualName, MID_RESIDUAL_NAME, residualSpecs, UNET_IO } from './unet';

export const CONTROLNET_IO = {
  inputs: [
    UNET_IO.inputs[0]!,
    UNET_IO.inputs[1]!,
    UNET_IO.inputs[2]!,
    { name: 'controlnet_cond', dtype: 'float32', shape: ['batch', 3, IMAGE_SIZE, IMAGE_SIZE] },
  ],
  outputs: residualSpecs(),
} satisfies { inputs: ValueSpec[]; outputs: ValueSpec[] };

export const RESIDUAL_NAMES = [...DOWN_RESOLUTIONS.map((_, i) => downResidualName(i)), MID_RESIDUAL_NAME];

/** The layout's outline at full resolution: pixels whose 4-neighbourhood crosses a mask edge. */
export function layoutOutline(layoutIndex: number): Float64Array {
  const S = IMAGE_SIZE;
  const union = new Uint8Array(S * S);
  for (const k of LAYOUTS[layoutIndex]!.slots) {
    const m = slotMask(SLOT_NAMES[Math.floor(k / 3)]!, SHAPES[k % 3]!);
    for (let i = 0; i < m.length; i++) union[i] = union[i]! | m[i]!;
  }
  const out = new Float64Array(S * S);
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const v = union[y * S + x]!;
      const n = [
        [x - 1, y],
        [x + 1, y],
        [x, y - 1],
        [x, y + 1],
      ].some(([a, b]) => a! >= 0 && b! >= 0 && a! < S && b! < S && union[b! * S + a!] !== v);
      out[y * S + x] = n ? 1 : 0;
    }
  return out;
}

export function avgPool(img: ArrayLike<number>, size: number, target: number): Float64Array {
  const f = size / target;
  const out = new Float64Array(target * target);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const p = Math.floor(y / f) * target + Math.floor(x / f);
      out[p] = out[p]! + img[y * size + x]! / (f * f);
    }
  return out;
}

const normalize = (v: Float64Array): Float64Array => {
  const n = Math.hypot(...v);
  return v.map((x) => x / (n + 1e-12));
};

const SCALES = [16, 8, 4, 2] as const;

/** Normalised outlines per scale: [scale][layout][r*r]. */
export function outlineFeatures(): Float64Array[][] {
  const outlines = LAYOUTS.map((_, L) => layoutOutline(L));
  return SCALES.map((r) => outlines.map((o) => normalize(avgPool(o, IMAGE_SIZE, r))));
}

/** Mean cosine similarity of an edge map with each layout's outline, as the U-Net will see it. */
export function layoutScores(edge: ArrayLike<number>, feats: Float64Array[][]): number[] {
  const perScale = SCALES.map((r) => normalize(avgPool(edge, IMAGE_SIZE, r)));
  const weights = DOWN_RESOLUTIONS.map((r) => SCALES.indexOf(r as (typeof SCALES)[number]));
  weights.push(0); // mid = the 16x16 similarity once more
  return LAYOUTS.map((_, L) => {
    let s = 0;
    for (const si of weights) {
      const e = perScale[si]!;
      const o = feats[si]![L]!;
      for (let i = 0; i < e.length; i++) s += e[i]! * o[i]!;
    }
    return s / weights.length;
  });
}

/**
 * Gain such that 0.8 x gain x (score of the true layout - best other layout) exceeds two violated
 * prompt constraints (count and shape) plus a margin, for every layout's own outline.
 */
export function calibrateGain(): number {
  const feats = outlineFeatures();
  let minGap = Number.POSITIVE_INFINITY;
  LAYOUTS.forEach((_, L) => {
    const s = layoutScores(layoutOutline(L), feats);
    const own = s[L]!;
    const other = Math.max(...s.filter((_, i) => i !== L));
    minGap = Math.min(minGap, own - other);
  });
  // Test edge maps differ slightly from the template outlines: count on 60% of the gap.
  return Math.ceil((2 * CONSTRAINT_PENALTY + 8) / (0.8 * 0.6 * minGap));
}

export function buildControlnet(gain: number): Uint8Array {
  const g = new GraphBuilder('controlnet_canny');
  for (const spec of CONTROLNET_IO.inputs.slice(0, 3))
    g.input(spec.name === 'timestep' ? { ...spec, shape: null } : spec);
  const cond = g.input(CONTROLNET_IO.inputs[3]!);
  const nL = LAYOUTS.length;
  const edge = g.op('ReduceMean', [cond], { axes: ints([1]), keepdims: int(1) }); // [B,1,128,128]
  const feats = outlineFeatures();
  const perScale = new Map<number, string>();
  let prev = g.op('AveragePool', [edge], { kernel_shape: ints([8, 8]), strides: ints([8, 8]) }); // 16x16
  SCALES.forEach((r, si) => {
    if (si > 0) prev = g.op('AveragePool', [prev], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    const flatE = g.reshape(prev, [-1, 1, r * r]);
    const norm = g.add(g.op('Sqrt', [g.reduceSum(g.mul(flatE, flatE), [2], true)]), g.constF([1e-6], []));
    const unit = g.div(flatE, norm);
    const outline = g.weight(
      `control.outline_${r}`,
      [1, nL, r * r],
      Float32Array.from(feats[si]!.flatMap((v) => [...v])),
    );
    const prod = g.scale(g.mul(unit, outline), gain / RESIDUAL_NAMES.length); // [B,L,r*r]
    perScale.set(r, g.reshape(prod, [-1, nL, r, r]));
  });
  const specs = residualSpecs();
  DOWN_RESOLUTIONS.forEach((r, i) => {
    g.output(perScale.get(r)!, specs[i]!);
  });
  const mid = g.reduceSum(perScale.get(16)!, [2, 3], true); // [B,L,1,1]
  g.output(mid, specs[specs.length - 1]!);
  return g.toBytes('shapes-world ControlNet (canny): per-layout outline evidence');
}
