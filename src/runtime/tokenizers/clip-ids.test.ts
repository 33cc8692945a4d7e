import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clipInputIds } from './clip-ids';
import { loadTokenizer, type TextTokenizer } from './tokenizer';

const name = 'clip-bpe-tiny.tokenizer.json';
const tok = loadTokenizer(
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../test/fixtures/tokenizers', name), 'utf8')),
  name,
);
// In the fixture <|startoftext|> = 44 and <|endoftext|> = 45 (49406 / 49407 in the real CLIP vocabulary).
const BOS = 44;
const EOS = 45;

describe('clipInputIds', () => {
  it('adds bos/eos and pads with eos to exactly `length`', () => {
    const ids = clipInputIds(tok, 'a red circle', { length: 77 });
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 5)).toEqual([BOS, 20, 39, 38, EOS]);
    expect(ids.slice(5).every((id) => id === EOS)).toBe(true);
  });

  it('uses explicit ids when given', () => {
    expect(clipInputIds(tok, 'red', { length: 6, bos: 49406, eos: 49407, pad: 0 })).toEqual([
      49406, 39, 49407, 0, 0, 0,
    ]);
  });

  it('truncates the text and keeps eos last', () => {
    const long = Array.from({ length: 100 }, () => 'red').join(' ');
    const ids = clipInputIds(tok, long, { length: 77 });
    expect(ids).toHaveLength(77);
    expect(ids[0]).toBe(BOS);
    expect(ids[76]).toBe(EOS);
    expect(ids.slice(1, 76).every((id) => id === 39)).toBe(true);
    // exactly length - 2 tokens fit without truncation
    const exact = clipInputIds(tok, 'red red red', { length: 5 });
    expect(exact).toEqual([BOS, 39, 39, 39, EOS]);
    expect(clipInputIds(tok, 'red red red red', { length: 5 })).toEqual([BOS, 39, 39, 39, EOS]);
  });

  it('handles empty text and converts to typed arrays', () => {
    const ids = clipInputIds(tok, '', { length: 4 });
    expect(ids).toEqual([BOS, EOS, EOS, EOS]);
    expect(Array.from(Int32Array.from(ids))).toEqual(ids);
    expect(BigInt64Array.from(ids, BigInt)[1]).toBe(BigInt(EOS));
  });

  it('rejects a bad length or missing special tokens', () => {
    expect(() => clipInputIds(tok, 'red', { length: 1 })).toThrow(/length/);
    const bare: TextTokenizer = {
      encode: () => [1],
      tokenToId: () => undefined,
      idToToken: () => undefined,
      vocabSize: 2,
    };
    expect(() => clipInputIds(bare, 'x', { length: 4 })).toThrow(/<\|startoftext\|>/);
    expect(clipInputIds(bare, 'x', { length: 4, bos: 7, eos: 8 })).toEqual([7, 1, 8, 8]);
  });
});
