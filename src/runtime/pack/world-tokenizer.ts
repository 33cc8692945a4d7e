/**
 * A pure-TS implementation of the subset of HuggingFace `tokenizer.json` the reference pack uses
 * (WordLevel model, Lowercase normalizer, Whitespace pre-tokenizer, special added tokens), plus
 * the Kosmos-G interleaved layout and CLIP-style fixed-length padding.
 */
import { z } from 'zod';
import { interleavedIds } from '../models/prompt-ids';

export const IMAGE_MARKER = '<i>';

const tokenizerJsonSchema = z.object({
  added_tokens: z
    .array(z.object({ id: z.number().int().nonnegative(), content: z.string().min(1) }))
    .default([]),
  normalizer: z.object({ type: z.literal('Lowercase') }).nullable(),
  pre_tokenizer: z.object({ type: z.literal('Whitespace') }),
  model: z.object({
    type: z.literal('WordLevel'),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    unk_token: z.string(),
  }),
});

export interface WordLevelTokenizer {
  vocab: ReadonlyMap<string, number>;
  unkId: number;
  lowercase: boolean;
  /** Added (special) tokens, longest first, matched literally before normalisation. */
  added: readonly { content: string; id: number }[];
}

export interface SpecialTokenIds {
  bos: number;
  eos: number;
  pad: number;
  boi: number;
  eoi: number;
}

export function parseTokenizerJson(json: unknown, source: string): WordLevelTokenizer {
  const parsed = tokenizerJsonSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `${source}: not a WordLevel/Whitespace tokenizer.json: ${parsed.error.issues[0]?.message}`,
    );
  }
  const { model, added_tokens, normalizer } = parsed.data;
  const vocab = new Map(Object.entries(model.vocab));
  const unkId = vocab.get(model.unk_token);
  if (unkId === undefined)
    throw new Error(`${source}: unk_token ${model.unk_token} is not in the vocabulary`);
  const added = [...added_tokens].sort((a, b) => b.content.length - a.content.length);
  return { vocab, unkId, lowercase: normalizer !== null, added };
}

// HF's Whitespace pre-tokenizer: \w+|[^\w\s]+ (Unicode word characters).
const WHITESPACE_SPLIT = /[\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s]+/gu;

function encodePlain(tok: WordLevelTokenizer, text: string): number[] {
  const normal = tok.lowercase ? text.toLowerCase() : text;
  return (normal.match(WHITESPACE_SPLIT) ?? []).map((w) => tok.vocab.get(w) ?? tok.unkId);
}

/** Token ids of `text` (no BOS/EOS), added tokens matched first as HF does. */
export function encodeText(tok: WordLevelTokenizer, text: string): number[] {
  const ids: number[] = [];
  let rest = text;
  while (rest.length > 0) {
    let best: { at: number; content: string; id: number } | undefined;
    for (const a of tok.added) {
      const at = rest.indexOf(a.content);
      if (at >= 0 && (best === undefined || at < best.at)) best = { at, ...a };
    }
    if (best === undefined) {
      ids.push(...encodePlain(tok, rest));
      break;
    }
    ids.push(...encodePlain(tok, rest.slice(0, best.at)), best.id);
    rest = rest.slice(best.at + best.content.length);
  }
  return ids;
}

export function countImageMarkers(prompt: string): number {
  return prompt.split(IMAGE_MARKER).length - 1;
}

export interface InterleavedEncoding {
  inputIds: number[];
  /** 1 at the positions that receive image embeddings */
  imageMask: number[];
  imageCount: number;
}

/**
 * Kosmos-G layout: `<s>`, then for each `<i>` the text before it, `<image>`, `imageTokens`
 * image positions (filled with the pad id; the mask marks them), `</image>`; then the rest.
 */
export function encodeInterleaved(
  tok: WordLevelTokenizer,
  prompt: string,
  opts: { imageTokens: number; special: SpecialTokenIds; imageCount?: number },
): InterleavedEncoding {
  return interleavedIds((text) => encodeText(tok, text), prompt, { ...opts, marker: IMAGE_MARKER });
}

export interface PaddedBatch {
  batch: number;
  length: number;
  inputIds: BigInt64Array;
  imageMask: BigInt64Array;
  /** 1 for real tokens, 0 for padding (the aligner's padding_mask) */
  paddingMask: BigInt64Array;
}

/** Right-pads interleaved encodings to a common length. */
export function padBatch(encodings: readonly InterleavedEncoding[], padId: number): PaddedBatch {
  const length = Math.max(1, ...encodings.map((e) => e.inputIds.length));
  const batch = encodings.length;
  const inputIds = new BigInt64Array(batch * length).fill(BigInt(padId));
  const imageMask = new BigInt64Array(batch * length);
  const paddingMask = new BigInt64Array(batch * length);
  encodings.forEach((e, b) => {
    e.inputIds.forEach((id, t) => {
      inputIds[b * length + t] = BigInt(id);
      imageMask[b * length + t] = BigInt(e.imageMask[t] ?? 0);
      paddingMask[b * length + t] = 1n;
    });
  });
  return { batch, length, inputIds, imageMask, paddingMask };
}

/** CLIP-style ids: `<s>` text `</s>`, truncated and padded to `length` (77). */
export function encodeClip(
  tok: WordLevelTokenizer,
  text: string,
  special: SpecialTokenIds,
  length = 77,
): number[] {
  const body = encodeText(tok, text).slice(0, length - 2);
  const ids = [special.bos, ...body, special.eos];
  while (ids.length < length) ids.push(special.pad);
  return ids;
}
