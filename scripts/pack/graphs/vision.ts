/**
 * Vision tower + connector: reads the single entity of an image in closed form.
 *
 * 1. Undo the CLIP normalisation -> RGB in [0,1].
 * 2. Background: for each of white/gray/black, the fraction of pixels within a small distance;
 *    a sharp softmax over the fractions picks the background.
 * 3. Foreground = pixels not close to the chosen background. Entity colour = chroma direction of
 *    the mean foreground colour (colour minus its smallest channel, so pastel tints still read),
 *    matched by cosine against red/green/blue/yellow.
 * 4. Shape from compactness = area / bounding-box area (circle pi/4, square 1, triangle 1/2).
 * 5. Connector: the features are written into IMAGE_TOKENS identical tokens, each 1/IMAGE_TOKENS
 *    of the whole, so that the MLLM's sums see one entity per image.
 */
import { HIDDEN_SIZE, IMAGE_TOKENS, TOK } from '../features';
import { GraphBuilder, int, ints, type ValueSpec } from '../onnx-builder';
import { BACKGROUND_RGB, BACKGROUNDS, COLOR_RGB, COLORS } from '../world';

export const VISION_SIZE = 128;
export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

export const VISION_IO = {
  inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['num_images', 3, VISION_SIZE, VISION_SIZE] }],
  outputs: [{ name: 'image_embeds', dtype: 'float32', shape: ['num_images', IMAGE_TOKENS, HIDDEN_SIZE] }],
} satisfies { inputs: ValueSpec[]; outputs: ValueSpec[] };

const CLOSE_SQ = 0.03;
const SHAPE_REFS = [Math.PI / 4, 1, 0.5]; // circle, square, triangle (SHAPES order)

export function buildVision(): Uint8Array {
  const g = new GraphBuilder('vision');
  const S = VISION_SIZE;
  const P = S * S;
  const px = g.input(VISION_IO.inputs[0]!);
  const rgb = g.add(g.mul(px, g.constF(CLIP_STD, [1, 3, 1, 1])), g.constF(CLIP_MEAN, [1, 3, 1, 1]));
  const flatRgb = g.reshape(rgb, [-1, 3, P]); // [N,3,P]

  // Distance of each pixel to each background colour: [N,3bg,P].
  const bgCols = g.constF(
    BACKGROUNDS.flatMap((b) => [...BACKGROUND_RGB[b]]),
    [1, 3, 3, 1],
  );
  const diff = g.sub(g.unsqueeze(flatRgb, [1]), bgCols); // [N,3bg,3c,P]
  const dist = g.reduceSum(g.mul(diff, diff), [2], false);
  const close = g.op('Cast', [g.op('Less', [dist, g.constF([CLOSE_SQ], [])])], { to: int(1) });
  const frac = g.op('ReduceMean', [close], { axes: ints([2]), keepdims: int(0) }); // [N,3]
  const bgW = g.op('Softmax', [g.scale(frac, 200)], { axis: int(-1) });
  const bgness = g.matmul(g.unsqueeze(bgW, [1]), close); // [N,1,P]
  const fg = g.sub(g.constF([1], []), bgness);
  const area = g.add(g.reduceSum(fg, [2], false), g.constF([1e-3], [])); // [N,1]

  // Colour.
  const meanRgb = g.div(g.reduceSum(g.mul(flatRgb, fg), [2], false), area); // [N,3]
  const chroma = g.sub(meanRgb, g.op('ReduceMin', [meanRgb], { axes: ints([1]), keepdims: int(1) }));
  const chromaN = g.div(
    chroma,
    g.add(g.op('Sqrt', [g.reduceSum(g.mul(chroma, chroma), [1], true)]), g.constF([1e-6], [])),
  );
  const dirs = COLORS.map((c) => {
    const v = COLOR_RGB[c];
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  });
  const dirsT = g.constF(
    [0, 1, 2].flatMap((ch) => dirs.map((d) => d[ch]!)),
    [3, 4],
  );
  const color = g.op('Softmax', [g.scale(g.matmul(chromaN, dirsT), 40)], { axis: int(-1) }); // [N,4]

  // Bounding box from row/column occupancy.
  const fg2d = g.reshape(fg, [-1, S, S]);
  const idx = Array.from({ length: S }, (_, i) => i);
  const extent = (occupancy: string) => {
    const hi = g.op('ReduceMax', [g.mul(occupancy, g.constF(idx, [1, S]))], {
      axes: ints([1]),
      keepdims: int(1),
    });
    const loFlip = g.op(
      'ReduceMax',
      [
        g.mul(
          occupancy,
          g.constF(
            idx.map((i) => S - 1 - i),
            [1, S],
          ),
        ),
      ],
      {
        axes: ints([1]),
        keepdims: int(1),
      },
    );
    // hi - lo + 1 with lo = S-1-loFlip
    return g.op('Relu', [g.add(g.add(hi, loFlip), g.constF([2 - S], []))]);
  };
  const occX = g.op('ReduceMax', [fg2d], { axes: ints([1]), keepdims: int(0) }); // [N,S] per column
  const occY = g.op('ReduceMax', [fg2d], { axes: ints([2]), keepdims: int(0) }); // per row
  const bbox = g.add(g.mul(extent(occX), extent(occY)), g.constF([1e-3], []));
  const compact = g.div(area, bbox); // [N,1]
  const d = g.sub(compact, g.constF(SHAPE_REFS, [1, 3]));
  const shape = g.op('Softmax', [g.scale(g.mul(d, d), -400)], { axis: int(-1) }); // [N,3]

  // Connector: features -> IMAGE_TOKENS tokens of width HIDDEN_SIZE.
  const place = (name: string, rows: number, at: number) => {
    const w = new Float32Array(rows * HIDDEN_SIZE);
    for (let i = 0; i < rows; i++) w[i * HIDDEN_SIZE + at + i] = 1 / IMAGE_TOKENS;
    return g.weight(name, [rows, HIDDEN_SIZE], w);
  };
  const presence = new Float32Array(HIDDEN_SIZE);
  presence[TOK.presence] = 1 / IMAGE_TOKENS;
  const feat = g.add(
    g.add(
      g.matmul(color, place('connector.color', 4, TOK.color)),
      g.matmul(shape, place('connector.shape', 3, TOK.shape)),
    ),
    g.add(g.matmul(bgW, place('connector.background', 3, TOK.imageBg)), g.constF(presence, [1, HIDDEN_SIZE])),
  ); // [N,D]
  const tokens = g.mul(
    g.unsqueeze(feat, [1]),
    g.constF(new Float32Array(IMAGE_TOKENS).fill(1), [1, IMAGE_TOKENS, 1]),
  );
  g.output(tokens, VISION_IO.outputs[0]!);
  return g.toBytes('shapes-world vision tower + connector: background, colour and shape of one entity');
}
