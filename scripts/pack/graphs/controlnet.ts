/**
 * ControlNet (canny): per-layout evidence from shape descriptors of the control image's outlines.
 *
 * 1. Edge map = channel mean of `controlnet_cond` (white edges on black), binarised at 0.1 (so
 *    area-averaged downscales of larger edge maps still count).
 * 2. Entities = runs of occupied columns: a column is occupied when it holds an edge pixel; a run
 *    starts where an occupied column follows an empty one. runs = 0: no control; 1: one entity
 *    (anywhere); >= 2: two entities, the first run being the left one and the rest the right one.
 * 3. For the whole map, the first run and the rest, compactness of the filled outline: per row,
 *    the span between the leftmost and rightmost edge pixel (the fill of a convex outline),
 *    summed, over the bounding-box area (circle pi/4, square 1, triangle 1/2, as the vision tower
 *    reads filled images). A sharp softmax around the reference values gives shape probabilities.
 * 4. Evidence per layout: one entity -> gain x P_all(shape) for the centred single layouts; two
 *    -> gain x (P_left(s1) + P_right(s2)) / 2 for the pair layouts. Position and size do not
 *    matter (the world has one layout per count), so any placement of the outlines works.
 * 5. The 13 residuals carry evidence / 13 each, spread over the layout's pooled outline (weights
 *    summing to 1) at the residual's resolution; the U-Net sums every residual spatially and adds
 *    it to the prior logits of that layout's templates. Colours are untouched: they follow the prompt.
 *
 * The gain is calibrated so that at conditioning scale 0.8 the control's layout beats a prompt
 * contradicting it in count and shape (two constraint penalties). `sample`, `timestep` and
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

/** Edge pixels are channel means above this (control images are in [0,1]). */
export const EDGE_THRESHOLD = 0.1;
/** Compactness of the filled outline per shape (SHAPES order) and the softmax sharpness. */
export const OUTLINE_COMPACTNESS = [Math.PI / 4, 0.99, 0.55] as const;
export const SHAPE_SHARPNESS = 400;

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

/** Per resolution r: each layout's outline pooled to r x r, weights summing to 1. [layout][r*r] */
export function outlineWeights(
  r: number,
  outlines: readonly Float64Array[] = LAYOUTS.map((_, L) => layoutOutline(L)),
): Float64Array[] {
  return outlines.map((outline) => {
    const p = avgPool(outline, IMAGE_SIZE, r);
    const s = p.reduce((a, b) => a + b, 0);
    return p.map((v) => v / s);
  });
}

/** Plain-TypeScript mirror of the graph's descriptors (for tests and docs). */
export function outlineDescriptors(edge: ArrayLike<number>): {
  runs: number;
  compactness: { all: number; left: number; right: number };
} {
  const S = IMAGE_SIZE;
  const on = (i: number) => edge[i]! > EDGE_THRESHOLD;
  const occ = Array.from({ length: S }, (_, x) => {
    for (let y = 0; y < S; y++) if (on(y * S + x)) return 1;
    return 0;
  });
  let runs = 0;
  const runIndex = occ.map((o, x) => {
    if (o && !(x > 0 && occ[x - 1])) runs++;
    return runs;
  });
  const compactness = (keep: (x: number) => boolean) => {
    let area = 0;
    let [x0, x1, y0, y1] = [S, -1, S, -1];
    for (let y = 0; y < S; y++) {
      let [a, b] = [S, -1];
      for (let x = 0; x < S; x++)
        if (keep(x) && on(y * S + x)) {
          a = Math.min(a, x);
          b = Math.max(b, x);
        }
      if (b < 0) continue;
      area += b - a + 1;
      [x0, x1, y0, y1] = [Math.min(x0, a), Math.max(x1, b), Math.min(y0, y), Math.max(y1, y)];
    }
    return x1 < 0 ? 0 : area / ((x1 - x0 + 1) * (y1 - y0 + 1));
  };
  return {
    runs,
    compactness: {
      all: compactness(() => true),
      left: compactness((x) => runIndex[x]! <= 1),
      right: compactness((x) => runIndex[x]! >= 2),
    },
  };
}

/**
 * Gain: with clean descriptors the control's layout gets `gain`, a pair layout with one shape
 * wrong gets gain/2, every other layout 0. At scale 0.8 the worst case (half the gain against
 * one penalty, or the full gain against two) must still win by a margin of 8 logits.
 */
export function calibrateGain(): number {
  return Math.ceil((2 * CONSTRAINT_PENALTY + 8) / (0.8 * 0.5));
}

export function buildControlnet(gain: number): Uint8Array {
  const g = new GraphBuilder('controlnet_canny');
  const S = IMAGE_SIZE;
  const nL = LAYOUTS.length;
  for (const spec of CONTROLNET_IO.inputs.slice(0, 3))
    g.input(spec.name === 'timestep' ? { ...spec, shape: null } : spec);
  const cond = g.input(CONTROLNET_IO.inputs[3]!);
  const zero = g.constF([0], []);
  const one = g.constF([1], []);
  const clip01 = (x: string) => g.op('Clip', [x, zero, one]);

  // 1. Binary edge map [B,1,S,S].
  const mean = g.op('ReduceMean', [cond], { axes: ints([1]), keepdims: int(1) });
  const edge = g.op('Cast', [g.op('Greater', [mean, g.constF([EDGE_THRESHOLD], [])])], { to: int(1) });

  // 2. Column occupancy [B,1,1,S], run starts, run index per column.
  const occ = g.op('ReduceMax', [edge], { axes: ints([2]), keepdims: int(1) });
  const prevCol = g.op('Pad', [g.sliceLast(occ, 0, S - 1), g.constI64([0, 0, 0, 1, 0, 0, 0, 0])]);
  const starts = g.op('Relu', [g.sub(occ, prevCol)]);
  const runIndex = g.op('CumSum', [starts, g.constI64([3], [])]); // [B,1,1,S]
  const runs = g.reduceSum(starts, [1, 2, 3], false); // [B]
  const rightCols = clip01(g.sub(runIndex, one)); // run >= 2
  const leftCols = g.sub(one, rightCols); // run <= 1 (empty leading columns hold no edges)
  const allCols = g.constF(new Float32Array(S).fill(1), [1, 1, 1, S]);
  const ones = g.add(g.mul(leftCols, zero), allCols); // [B,1,1,S]
  const masks = g.op('Concat', [ones, leftCols, rightCols], { axis: int(1) }); // [B,3,1,S]
  const e3 = g.mul(edge, masks); // [B,3,S,S]: all, left entity, right entity

  // 3. Compactness of the filled outline per group.
  const idx = Array.from({ length: S }, (_, i) => i);
  const xs = g.constF(idx, [1, 1, 1, S]);
  const xsFlip = g.constF(
    idx.map((i) => S - 1 - i),
    [1, 1, 1, S],
  );
  const rowMax = g.op('ReduceMax', [g.mul(e3, xs)], { axes: ints([3]), keepdims: int(0) }); // [B,3,S]
  const rowMinFlip = g.op('ReduceMax', [g.mul(e3, xsFlip)], { axes: ints([3]), keepdims: int(0) });
  // span = max - min + 1 = max + (S-1-min) + 2 - S; 0 for rows without edges.
  const span = g.op('Relu', [g.add(g.add(rowMax, rowMinFlip), g.constF([2 - S], []))]);
  const area = g.reduceSum(span, [2], false); // [B,3]
  const pos = g.constF(idx, [1, 1, S]);
  const posFlip = g.constF(
    idx.map((i) => S - 1 - i),
    [1, 1, S],
  );
  const extent = (occupancy: string) => {
    const hi = g.op('ReduceMax', [g.mul(occupancy, pos)], { axes: ints([2]), keepdims: int(0) });
    const lo = g.op('ReduceMax', [g.mul(occupancy, posFlip)], { axes: ints([2]), keepdims: int(0) });
    return g.op('Relu', [g.add(g.add(hi, lo), g.constF([2 - S], []))]); // [B,3]
  };
  const occRows = g.op('ReduceMax', [e3], { axes: ints([3]), keepdims: int(0) }); // [B,3,S]
  const occCols = g.op('ReduceMax', [e3], { axes: ints([2]), keepdims: int(0) }); // [B,3,S]
  const bbox = g.add(g.mul(extent(occRows), extent(occCols)), g.constF([1e-3], []));
  const compact = g.unsqueeze(g.div(area, bbox), [2]); // [B,3,1]
  const d = g.sub(compact, g.constF(OUTLINE_COMPACTNESS, [1, 1, 3]));
  const shapeP = g.op('Softmax', [g.scale(g.mul(d, d), -SHAPE_SHARPNESS)], { axis: int(-1) }); // [B,3,3]

  // 4. Evidence per layout [B,12].
  const group = (k: number) =>
    g.reshape(g.op('Slice', [shapeP, g.constI64([k]), g.constI64([k + 1]), g.constI64([1])]), [-1, 3]);
  const toLayouts = (fill: (shape: number, layout: number) => number) => {
    const w = new Float32Array(3 * nL);
    for (let s = 0; s < 3; s++) for (let L = 0; L < nL; L++) w[s * nL + L] = fill(s, L);
    return w;
  };
  const single = g.matmul(
    group(0),
    g.weight(
      'control.single_shape_to_layout',
      [3, nL],
      toLayouts((s, L) => (L === s ? 1 : 0)),
    ),
  );
  const pairW = (k: 0 | 1) =>
    toLayouts((s, L) => (L >= 3 && SHAPES.indexOf(LAYOUTS[L]!.shapes[k]!) === s ? 0.5 : 0));
  const pair = g.add(
    g.matmul(group(1), g.weight('control.left_shape_to_layout', [3, nL], pairW(0))),
    g.matmul(group(2), g.weight('control.right_shape_to_layout', [3, nL], pairW(1))),
  );
  const runs1 = g.unsqueeze(runs, [1]); // [B,1]
  const isPair = clip01(g.sub(runs1, one));
  const isSingle = g.sub(clip01(runs1), isPair);
  // Each of the 13 residuals carries 1/13 of gain x evidence.
  const share = g.scale(g.add(g.mul(isSingle, single), g.mul(isPair, pair)), gain / RESIDUAL_NAMES.length);

  // 5. Residuals: evidence / 13 spread over each layout's pooled outline.
  const specs = residualSpecs();
  const spread = new Map<number, string>();
  const outlines = LAYOUTS.map((_, L) => layoutOutline(L));
  for (const r of new Set(DOWN_RESOLUTIONS)) {
    const w = g.weight(
      `control.outline_${r}`,
      [1, nL, r * r],
      Float32Array.from(outlineWeights(r, outlines).flatMap((v) => [...v])),
    );
    spread.set(r, g.reshape(g.mul(g.unsqueeze(share, [2]), w), [-1, nL, r, r]));
  }
  DOWN_RESOLUTIONS.forEach((r, i) => {
    g.output(spread.get(r)!, specs[i]!);
  });
  g.output(g.reshape(share, [-1, nL, 1, 1]), specs[specs.length - 1]!);
  return g.toBytes('shapes-world ControlNet (canny): layout evidence from outline shape descriptors');
}
