import { describe, expect, it } from 'vitest';
import { specialTokenIds, tokenizerJson } from '../../scripts/pack/vocabulary';
import { encodeClip, encodeInterleaved, encodeText, padBatch, parseTokenizerJson } from './world-tokenizer';

const tok = parseTokenizerJson(JSON.parse(tokenizerJson()), 'tokenizer.json');
const special = { ...specialTokenIds() };
const id = (w: string) => tok.tokenToId(w)!;

describe('world tokenizer (WordLevel + Whitespace + Lowercase)', () => {
  it('lowercases, splits punctuation and maps unknown words to <unk>', () => {
    expect(encodeText(tok, 'A Red, circle zebra')).toEqual([
      id('a'),
      id('red'),
      id(','),
      id('circle'),
      special.unk,
    ]);
  });

  it('matches special tokens literally before normalisation', () => {
    expect(encodeText(tok, 'red<image>blue</s>')).toEqual([id('red'), special.boi, id('blue'), special.eos]);
  });

  it('lays out interleaved prompts as Kosmos-G does', () => {
    const e = encodeInterleaved(tok, '<i> and a red triangle', { imageTokens: 4, special, imageCount: 1 });
    expect(e.inputIds).toEqual([
      special.bos,
      special.boi,
      special.pad,
      special.pad,
      special.pad,
      special.pad,
      special.eoi,
      id('and'),
      id('a'),
      id('red'),
      id('triangle'),
    ]);
    expect(e.imageMask).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    const two = encodeInterleaved(tok, 'x <i> in the style of <i>', { imageTokens: 2, special });
    expect(two.imageCount).toBe(2);
    expect(two.imageMask.filter((m) => m === 1)).toHaveLength(4);
  });

  it('rejects a marker/image count mismatch', () => {
    expect(() => encodeInterleaved(tok, '<i> and <i>', { imageTokens: 4, special, imageCount: 1 })).toThrow(
      /2 <i> marker\(s\) but 1 image/,
    );
  });

  it('pads batches and reports the padding mask', () => {
    const a = encodeInterleaved(tok, 'a red circle', { imageTokens: 4, special });
    const b = encodeInterleaved(tok, '', { imageTokens: 4, special });
    const p = padBatch([a, b], special.pad);
    expect(p.length).toBe(4);
    expect(Array.from(p.paddingMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n]);
    expect(p.inputIds[4]).toBe(BigInt(special.bos));
  });

  it('builds CLIP-style 77-token ids', () => {
    const ids = encodeClip(tok, 'a red circle', special);
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 5)).toEqual([special.bos, id('a'), id('red'), id('circle'), special.eos]);
    expect(ids[76]).toBe(special.pad);
    const long = encodeClip(tok, 'red '.repeat(100), special);
    expect(long).toHaveLength(77);
    expect(long[76]).toBe(special.eos);
  });
});
