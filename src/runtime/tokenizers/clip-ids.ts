/**
 * Fixed-length CLIP text-encoder input ids: `[bos, ...tokens, eos, pad, pad, ...]`, exactly `length` long,
 * as diffusers' SD1.5 pipeline builds them (`padding="max_length"`, `truncation=True`). The length comes
 * from the text encoder session's input shape; it is not hard-coded here.
 */
import type { TextTokenizer } from './tokenizer';

export interface ClipIdsOptions {
  /** Total sequence length (77 for SD1.5; read it from the text encoder's `input_ids` shape). */
  length: number;
  /** Start token id. Default: the tokenizer's `<|startoftext|>` (49406 in CLIP). */
  bos?: number;
  /** End token id. Default: the tokenizer's `<|endoftext|>` (49407 in CLIP). */
  eos?: number;
  /** Padding id. Default: `eos` (SD1.5's CLIP tokenizer pads with `<|endoftext|>`). */
  pad?: number;
}

export const CLIP_BOS_TOKEN = '<|startoftext|>';
export const CLIP_EOS_TOKEN = '<|endoftext|>';

function specialId(tokenizer: TextTokenizer, given: number | undefined, token: string, what: string): number {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given < 0)
      throw new Error(`clipInputIds: ${what} id ${given} is invalid`);
    return given;
  }
  const id = tokenizer.tokenToId(token);
  if (id === undefined)
    throw new Error(`clipInputIds: no ${what} id given and the tokenizer has no ${token}`);
  return id;
}

/**
 * Token ids for a CLIP text encoder: bos, the text's tokens (truncated to `length - 2`), eos, then `pad`
 * up to `length`. Returns plain numbers; wrap in `Int32Array.from` or map to `BigInt` for an int64 input.
 */
export function clipInputIds(tokenizer: TextTokenizer, text: string, options: ClipIdsOptions): number[] {
  const { length } = options;
  if (!Number.isInteger(length) || length < 2) {
    throw new Error(`clipInputIds: length must be an integer >= 2, got ${length}`);
  }
  const bos = specialId(tokenizer, options.bos, CLIP_BOS_TOKEN, 'bos');
  const eos = specialId(tokenizer, options.eos, CLIP_EOS_TOKEN, 'eos');
  const pad = options.pad ?? eos;
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`clipInputIds: pad id ${pad} is invalid`);
  const body = tokenizer.encode(text).slice(0, length - 2);
  const ids = [bos, ...body, eos];
  while (ids.length < length) ids.push(pad);
  return ids;
}
