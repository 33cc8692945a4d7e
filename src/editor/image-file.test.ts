import { describe, expect, it } from 'vitest';
import { dataUrlInfo, sizeText, sniffImageType } from './image-file';

describe('image files', () => {
  it('tells PNG and JPEG by their bytes, not by name', () => {
    expect(sniffImageType(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toBe(
      'image/png',
    );
    expect(sniffImageType(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg');
    expect(sniffImageType(new TextEncoder().encode('hello, not a png'))).toBeUndefined();
    expect(sniffImageType(Uint8Array.of(0x89, 0x50))).toBeUndefined();
  });

  it('sizes data: URLs and small files', () => {
    expect(dataUrlInfo('data:image/png;base64,AAAA')).toEqual({ mediaType: 'image/png', bytes: 3 });
    expect(dataUrlInfo('data:image/png;base64,AAA=')).toEqual({ mediaType: 'image/png', bytes: 2 });
    expect(dataUrlInfo('https://x/y.png')).toBeUndefined();
    expect(sizeText(300)).toBe('300 B');
    expect(sizeText(1536)).toBe('1.5 KiB');
  });
});
