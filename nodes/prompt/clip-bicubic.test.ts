import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/runtime/image/codec';
import { pilBicubicResize, resizeShorterBicubicCenterCrop } from './clip-bicubic';

const GOLDEN = resolve('test/fixtures/kosmos-g/golden');
const png = (name: string) => decodeImage(new Uint8Array(readFileSync(join(GOLDEN, name))), name);

describe("Kosmos-G's image transform (torchvision Resize(224, BICUBIC) + CenterCrop(224) on PIL)", () => {
  it.each(['resize_down', 'resize_up'])('%s gives PIL/torchvision pixels byte for byte', (name) => {
    const input = png(`${name}_input.png`);
    const want = png(`${name}_output.png`);
    const got = resizeShorterBicubicCenterCrop(input, 224);
    expect([got.width, got.height]).toEqual([want.width, want.height]);
    let differ = 0;
    for (let i = 0; i < got.data.length; i++) if (got.data[i] !== want.data[i]) differ++;
    expect(differ).toBe(0);
  });

  it('leaves an image of the target size as it is', () => {
    const img = png('subject.png');
    expect(Buffer.compare(pilBicubicResize(img, img.width, img.height).data, img.data)).toBe(0);
    expect(Buffer.compare(resizeShorterBicubicCenterCrop(img, 224).data, img.data)).toBe(0);
  });
});
