/**
 * Tokenization for the test harness, on the project's generic tokenizer
 * loader (the same code the prompt nodes use): the reference pack's
 * WordLevel tokenizer.json, the Kosmos-G interleaved layout, batches and
 * CLIP-style padded ids.
 */

import { IMAGE_MARKER } from '../../scripts/pack/vocabulary';
import { type InterleavedIds, interleavedIds } from '../../src/runtime/models/prompt-ids';
import { clipInputIds } from '../../src/runtime/tokenizers/clip-ids';
import { loadTokenizer, type TextTokenizer } from '../../src/runtime/tokenizers/tokenizer';

export type WordLevelTokenizer = TextTokenizer;
export type InterleavedEncoding = InterleavedIds;

export interface SpecialTokenIds {
  bos: number;
  eos: number;
  pad: number;
  unk: number;
  boi: number;
  eoi: number;
}

export const parseTokenizerJson = (json: unknown, source: string): TextTokenizer =>
  loadTokenizer(json, source);

export const encodeText = (tok: TextTokenizer, text: string): number[] => tok.encode(text);

export function encodeInterleaved(
  tok: TextTokenizer,
  prompt: string,
  opts: { imageTokens: number; special: SpecialTokenIds; imageCount?: number },
): InterleavedIds {
  return interleavedIds((text) => tok.encode(text), prompt, { ...opts, marker: IMAGE_MARKER });
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
export function padBatch(encodings: readonly InterleavedIds[], padId: number): PaddedBatch {
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
  tok: TextTokenizer,
  text: string,
  special: SpecialTokenIds,
  length = 77,
): number[] {
  return clipInputIds(tok, text, { length, bos: special.bos, eos: special.eos, pad: special.pad });
}
