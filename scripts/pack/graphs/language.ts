/**
 * The language side: MLLM, aligner and the CLIP-like text encoder.
 *
 * MLLM: token embeddings (a table of word features) with image embeddings written at the image
 * positions; then one closed-form "layer" that resolves sequence semantics with running sums:
 * entity index = CumSum of `and` tokens, style segment = CumSum of `style` > 0. Attributes
 * (colour, shape, presence) are routed to entity 1 or 2 by that index, except inside the style
 * segment, where an image contributes only its background. Background words add anywhere.
 *
 * Aligner: sums the contextual features over the non-padding positions, normalises each
 * attribute group to at most 1, derives the entity count (single / pair) and writes the 19
 * conditioning features into every one of the 77 positions of the conditioning.
 *
 * Text encoder: the same computation from `input_ids` alone (no images): it understands text but
 * an `<i>` marker is just unknown punctuation to it.
 */
import {
  COND,
  COND_FEATURES,
  COND_LENGTH,
  COND_WIDTH,
  CTX,
  HIDDEN_SIZE,
  IMAGE_TOKENS,
  TOK,
} from '../features';
import { GraphBuilder, int, type ValueSpec } from '../onnx-builder';
import { vocabulary } from '../vocabulary';

export const MLLM_IO = {
  inputs: [
    { name: 'input_ids', dtype: 'int64', shape: ['batch', 'sequence'] },
    { name: 'image_embeds', dtype: 'float32', shape: ['num_images', IMAGE_TOKENS, HIDDEN_SIZE] },
    { name: 'image_mask', dtype: 'int64', shape: ['batch', 'sequence'] },
  ],
  outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: ['batch', 'sequence', HIDDEN_SIZE] }],
} satisfies { inputs: ValueSpec[]; outputs: ValueSpec[] };

export const ALIGNER_IO = {
  inputs: [
    { name: 'hidden_states', dtype: 'float32', shape: ['batch', 'sequence', HIDDEN_SIZE] },
    { name: 'padding_mask', dtype: 'int64', shape: ['batch', 'sequence'] },
  ],
  outputs: [{ name: 'conditioning', dtype: 'float32', shape: ['batch', COND_LENGTH, COND_WIDTH] }],
} satisfies { inputs: ValueSpec[]; outputs: ValueSpec[] };

export const TEXT_ENCODER_IO = {
  inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch', COND_LENGTH] }],
  outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: ['batch', COND_LENGTH, COND_WIDTH] }],
} satisfies { inputs: ValueSpec[]; outputs: ValueSpec[] };

function embeddingTable(): Float32Array {
  const entries = vocabulary();
  const table = new Float32Array(entries.length * HIDDEN_SIZE);
  entries.forEach((e, i) => {
    for (const f of e.features) table[i * HIDDEN_SIZE + f] = 1;
  });
  return table;
}

function embed(g: GraphBuilder, ids: string): string {
  const table = embeddingTable();
  const w = g.weight('embed_tokens.weight', [table.length / HIDDEN_SIZE, HIDDEN_SIZE], table);
  return g.op('Gather', [w, ids], { axis: int(0) }); // [B,T,D]
}

/** Routes token features to entity / background slots. x: [B,T,D] -> [B,T,D]. */
function contextualize(g: GraphBuilder, x: string): string {
  const D = HIDDEN_SIZE;
  const route = (name: string, pairs: readonly [number, number][]) => {
    const w = new Float32Array(D * D);
    for (const [from, to] of pairs) w[from * D + to] = 1;
    return g.weight(name, [D, D], w);
  };
  const range = (from: number, to: number, n: number): [number, number][] =>
    Array.from({ length: n }, (_, i) => [from + i, to + i]);

  const andF = g.sliceLast(x, TOK.and, TOK.and + 1); // [B,T,1]
  const styleF = g.sliceLast(x, TOK.style, TOK.style + 1);
  const entity = g.op('CumSum', [andF, g.constI64([1], [])]); // 0 for entity 1, 1 for entity 2
  const one = g.constF([1], []);
  const is1 = g.clip(g.sub(one, entity), 0, 1);
  const is2 = g.clip(g.sub(one, g.op('Abs', [g.sub(entity, one)])), 0, 1);
  const inStyle = g.clip(g.op('CumSum', [styleF, g.constI64([1], [])]), 0, 1);
  const notStyle = g.sub(one, inStyle);

  const keep = g.matmul(x, route('layer.keep', range(0, 0, CTX.entity1)));
  const toE1 = g.matmul(
    x,
    route('layer.entity1', [...range(TOK.color, CTX.entity1, 7), [TOK.presence, CTX.entity1Present]]),
  );
  const toE2 = g.matmul(
    x,
    route('layer.entity2', [...range(TOK.color, CTX.entity2, 7), [TOK.presence, CTX.entity2Present]]),
  );
  const toBg = g.matmul(x, route('layer.background', range(TOK.bg, CTX.bg, 3)));
  const styleBg = g.matmul(x, route('layer.style_background', range(TOK.imageBg, CTX.bg, 3)));
  return g.add(
    g.add(keep, toBg),
    g.add(
      g.add(g.mul(toE1, g.mul(is1, notStyle)), g.mul(toE2, g.mul(is2, notStyle))),
      g.mul(styleBg, inStyle),
    ),
  );
}

/** Pools contextual features over valid positions into the conditioning [B,77,C]. */
function align(g: GraphBuilder, hidden: string, mask: string | null): string {
  const masked = mask === null ? hidden : g.mul(hidden, g.unsqueeze(mask, [2]));
  const s = g.reduceSum(masked, [1], false); // [B,D]
  const one = g.constF([1], []);
  const group = (start: number, size: number) => {
    const v = g.sliceLast(s, start, start + size);
    return g.div(v, g.op('Max', [g.reduceSum(v, [1], true), one]));
  };
  const p1 = g.op('Min', [g.sliceLast(s, CTX.entity1Present, CTX.entity1Present + 1), one]);
  const p2 = g.op('Min', [g.sliceLast(s, CTX.entity2Present, CTX.entity2Present + 1), one]);
  const single = g.op('Relu', [g.sub(p1, p2)]);
  const parts: [number, string][] = [
    [COND.bg, group(CTX.bg, 3)],
    [COND.single, single],
    [COND.pair, p2],
    [COND.color1, group(CTX.entity1, 4)],
    [COND.shape1, group(CTX.entity1 + 4, 3)],
    [COND.color2, group(CTX.entity2, 4)],
    [COND.shape2, group(CTX.entity2 + 4, 3)],
  ];
  parts.sort((a, b) => a[0] - b[0]);
  const f = g.op(
    'Concat',
    parts.map((p) => p[1]),
    { axis: int(-1) },
  ); // [B,19]
  const proj = new Float32Array(COND_FEATURES * COND_WIDTH);
  for (let i = 0; i < COND_FEATURES; i++) proj[i * COND_WIDTH + i] = 1;
  const c = g.matmul(f, g.weight('aligner.proj.weight', [COND_FEATURES, COND_WIDTH], proj)); // [B,C]
  const ones = g.constF(new Float32Array(COND_LENGTH).fill(1), [1, COND_LENGTH, 1]);
  return g.mul(g.unsqueeze(c, [1]), ones);
}

export function buildMllm(): Uint8Array {
  const g = new GraphBuilder('mllm');
  const ids = g.input(MLLM_IO.inputs[0]!);
  const images = g.input(MLLM_IO.inputs[1]!);
  const imageMask = g.input(MLLM_IO.inputs[2]!);
  const emb = embed(g, ids);
  // Image i's tokens fill the masked positions in order (batch-major); row 0 is a zero pad so
  // that a prompt without images needs no special case.
  const flatImages = g.reshape(images, [-1, HIDDEN_SIZE]);
  const padded = g.op('Concat', [g.constF(new Float32Array(HIDDEN_SIZE), [1, HIDDEN_SIZE]), flatImages], {
    axis: int(0),
  });
  const order = g.op('CumSum', [g.reshape(imageMask, [-1]), g.constI64([0], [])]);
  const gathered = g.op('Gather', [padded, g.op('Reshape', [order, g.op('Shape', [imageMask])])], {
    axis: int(0),
  });
  const m = g.unsqueeze(g.op('Cast', [imageMask], { to: int(1) }), [2]);
  const x = g.add(g.mul(emb, g.sub(g.constF([1], []), m)), g.mul(gathered, m));
  g.output(contextualize(g, x), MLLM_IO.outputs[0]!);
  return g.toBytes('shapes-world MLLM: word features + image tokens, entity/style routing by running sums');
}

export function buildAligner(): Uint8Array {
  const g = new GraphBuilder('aligner');
  const hidden = g.input(ALIGNER_IO.inputs[0]!);
  const mask = g.input(ALIGNER_IO.inputs[1]!);
  g.output(align(g, hidden, g.op('Cast', [mask], { to: int(1) })), ALIGNER_IO.outputs[0]!);
  return g.toBytes('shapes-world AlignerNet: pooled MLLM features -> 77 x C CLIP-space conditioning');
}

export function buildTextEncoder(): Uint8Array {
  const g = new GraphBuilder('text_encoder');
  const ids = g.input(TEXT_ENCODER_IO.inputs[0]!);
  // Padding and special tokens embed to zero, so no attention mask is needed.
  g.output(align(g, contextualize(g, embed(g, ids)), null), TEXT_ENCODER_IO.outputs[0]!);
  return g.toBytes('shapes-world CLIP text encoder: same space as the aligner, text only');
}
