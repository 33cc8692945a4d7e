import { describe, expect, it } from 'vitest';
import { interleavedIds } from './prompt-ids';

const words: Record<string, number> = { a: 10, red: 11, circle: 12, and: 13 };
const encode = (text: string) =>
  text
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => words[w] ?? 99);
const special = { bos: 1, boi: 4, eoi: 5, pad: 0 };

describe('interleavedIds', () => {
  it('lays out <s>, text, <image> positions </image>, text', () => {
    const { inputIds, imageMask, imageCount } = interleavedIds(encode, 'a <i> and a red circle', {
      imageTokens: 2,
      special,
      marker: '<i>',
    });
    expect(inputIds).toEqual([1, 10, 4, 0, 0, 5, 13, 10, 11, 12]);
    expect(imageMask).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(imageCount).toBe(1);
  });

  it('is just <s> for an empty prompt (the unconditional input)', () => {
    expect(interleavedIds(encode, '', { imageTokens: 3, special, marker: '<i>' })).toEqual({
      inputIds: [1],
      imageMask: [0],
      imageCount: 0,
    });
  });

  it('refuses a marker count that differs from the images', () => {
    expect(() =>
      interleavedIds(encode, '<i> and <i>', { imageTokens: 1, special, marker: '<i>', imageCount: 1 }),
    ).toThrow(/2 <i> marker\(s\) but 1 image\(s\)/);
  });
});
