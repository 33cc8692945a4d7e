import { crc32, readPngChunks } from '../../src/core/png-metadata';
import { encodePng } from '../../src/runtime/image/codec';

/** A small plain PNG (a gray square) with no text chunks. */
export function plainPng(size = 8): Uint8Array {
  return encodePng({ width: size, height: size, data: new Uint8Array(size * size * 3).fill(128) });
}

/** Inserts Latin-1 tEXt chunks before IEND, as ComfyUI writes its `prompt` and `workflow`. */
export function withTextChunks(
  png: Uint8Array,
  entries: readonly { keyword: string; text: string }[],
): Uint8Array {
  const iend = readPngChunks(png).at(-1)!;
  const chunks = entries.map(({ keyword, text }) => {
    const body = new Uint8Array(keyword.length + 1 + text.length);
    for (let i = 0; i < keyword.length; i++) body[i] = keyword.charCodeAt(i);
    for (let i = 0; i < text.length; i++) body[keyword.length + 1 + i] = text.charCodeAt(i) & 0xff;
    const chunk = new Uint8Array(12 + body.length);
    const view = new DataView(chunk.buffer);
    view.setUint32(0, body.length);
    chunk.set([0x74, 0x45, 0x58, 0x74], 4); // "tEXt"
    chunk.set(body, 8);
    view.setUint32(8 + body.length, crc32(chunk.subarray(4, 8 + body.length)));
    return chunk;
  });
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(png.length + total);
  out.set(png.subarray(0, iend.offset), 0);
  let at = iend.offset;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(iend.offset), at);
  return out;
}
