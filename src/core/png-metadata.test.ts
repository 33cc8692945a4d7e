import fc from 'fast-check';
import { decode as decodeFastPng, encode as encodeFastPng } from 'fast-png';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  buildITXtChunk,
  crc32,
  getPngText,
  PngMetadataError,
  readPngChunks,
  readPngTextChunks,
  readPngTextChunksDetailed,
  writePngITXt,
  writePngITXtChunks,
} from './png-metadata';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(latin1(type), 4);
  out.set(data, 8);
  new DataView(out.buffer).setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Inserts raw chunks right before IEND (the last 12 bytes of a fast-png output). */
function withChunksBeforeIend(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  return concat(png.subarray(0, png.length - 12), ...chunks, png.subarray(png.length - 12));
}

function smallPng(text?: Record<string, string>): Uint8Array {
  const data = new Uint8Array(4 * 3 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) & 0xff;
  return encodeFastPng({ width: 4, height: 3, data, channels: 3, depth: 8, ...(text ? { text } : {}) });
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(latin1('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // IEND's CRC is a well-known constant.
    expect(crc32(latin1('IEND'))).toBe(0xae426082);
  });
});

describe('readPngTextChunks', () => {
  it('returns an empty list for a PNG with no text chunks', () => {
    const png = smallPng();
    expect(readPngTextChunks(png)).toEqual([]);
    expect(readPngChunks(png).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  });

  it('reads tEXt chunks as Latin-1', () => {
    const png = smallPng({ prompt: 'a cat', Comment: 'caf\u00e9 \u00a9' });
    expect(readPngTextChunks(png)).toEqual([
      { keyword: 'prompt', text: 'a cat' },
      { keyword: 'Comment', text: 'caf\u00e9 \u00a9' },
    ]);
  });

  it('reads zTXt and compressed/uncompressed iTXt (hand-built)', () => {
    const ztxt = chunk(
      'zTXt',
      concat(latin1('Software'), Uint8Array.of(0, 0), zlibSync(latin1('gimp \u00e9'))),
    );
    const itxtRaw = chunk(
      'iTXt',
      concat(
        latin1('Title'),
        Uint8Array.of(0, 0, 0),
        latin1('ja'),
        Uint8Array.of(0),
        new TextEncoder().encode('題'),
        Uint8Array.of(0),
        new TextEncoder().encode('猫の絵'),
      ),
    );
    const itxtZ = chunk(
      'iTXt',
      concat(
        latin1('workflow'),
        Uint8Array.of(0, 1, 0, 0, 0),
        zlibSync(new TextEncoder().encode('{"a":"ü"}')),
      ),
    );
    const png = withChunksBeforeIend(smallPng(), ztxt, itxtRaw, itxtZ);
    expect(readPngTextChunks(png)).toEqual([
      { keyword: 'Software', text: 'gimp \u00e9' },
      { keyword: 'Title', text: '猫の絵' },
      { keyword: 'workflow', text: '{"a":"ü"}' },
    ]);
    const detailed = readPngTextChunksDetailed(png);
    expect(detailed.map((d) => [d.type, d.compressed, d.languageTag, d.translatedKeyword])).toEqual([
      ['zTXt', true, '', ''],
      ['iTXt', false, 'ja', '題'],
      ['iTXt', true, '', ''],
    ]);
  });
});

describe('writePngITXt', () => {
  const unicode = `workflow 🚀 — ünïcödé 漢字 ${JSON.stringify({ nodes: [{ id: 1, label: 'Ω≈ç√' }] })}`;

  it.each([false, true])('round-trips unicode text (compressed=%s) and keeps the PNG valid', (compressed) => {
    const png = smallPng({ before: 'x' });
    const out = writePngITXt(png, 'kosmograph', unicode, { compressed });
    expect(readPngTextChunks(out)).toEqual([
      { keyword: 'before', text: 'x' },
      { keyword: 'kosmograph', text: unicode },
    ]);
    expect(getPngText(out, 'kosmograph')).toBe(unicode);
    expect(readPngChunks(out).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'tEXt', 'iTXt', 'IEND']);
    // An independent decoder with CRC checking still accepts it, pixels unchanged.
    expect(decodeFastPng(out, { checkCrc: true }).data).toEqual(decodeFastPng(png).data);
  });

  it('keeps every other byte identical and inserts right before IEND', () => {
    const png = smallPng({ a: 'b' });
    const out = writePngITXt(png, 'k', 'v');
    const added = buildITXtChunk({ keyword: 'k', text: 'v' });
    expect(out).toEqual(withChunksBeforeIend(png, added));
  });

  it('replaces an existing iTXt with the same keyword, leaving others alone', () => {
    const png = smallPng();
    const once = writePngITXtChunks(png, [
      { keyword: 'graph', text: 'v1' },
      { keyword: 'other', text: 'o', compressed: true },
    ]);
    const twice = writePngITXt(once, 'graph', 'v2 ✓', { compressed: true });
    expect(readPngTextChunks(twice)).toEqual([
      { keyword: 'other', text: 'o' },
      { keyword: 'graph', text: 'v2 ✓' },
    ]);
    // Replacing with the same content twice is idempotent.
    expect(writePngITXt(twice, 'graph', 'v2 ✓', { compressed: true })).toEqual(twice);
  });

  it('preserves trailing bytes after IEND', () => {
    const png = concat(smallPng(), latin1('trailer'));
    const out = writePngITXt(png, 'k', 'v');
    expect(Array.from(out.subarray(out.length - 7))).toEqual(Array.from(latin1('trailer')));
  });

  it('rejects invalid keywords', () => {
    const png = smallPng();
    for (const bad of ['', ' lead', 'trail ', 'two  spaces', 'x'.repeat(80), 'emoji🚀', 'nul\u0000']) {
      expect(() => writePngITXt(png, bad, 't')).toThrow(PngMetadataError);
    }
  });
});

describe('errors', () => {
  const png = smallPng({ key: 'value' });

  it('rejects a non-PNG', () => {
    expect(() => readPngTextChunks(latin1('GIF89a........'))).toThrow(/not a PNG file \(bad signature\)/);
    expect(() => readPngTextChunks(new Uint8Array(0))).toThrow(PngMetadataError);
  });

  it('rejects truncated files at every length', () => {
    for (let n = 1; n < png.length; n++) {
      expect(() => readPngTextChunks(png.subarray(0, n)), `length ${n}`).toThrow(/truncated PNG/);
    }
  });

  it('reports which chunk has a bad CRC', () => {
    const bad = png.slice();
    const text = readPngChunks(png).find((c) => c.type === 'tEXt')!;
    bad[text.offset + 9]! ^= 0x20; // flip a bit of the tEXt data
    expect(() => readPngTextChunks(bad)).toThrow(PngMetadataError);
    expect(() => readPngTextChunks(bad)).toThrow(new RegExp(`bad CRC in tEXt chunk at byte ${text.offset}`));
    expect(() => writePngITXt(bad, 'k', 'v')).toThrow(/bad CRC in tEXt/);
  });

  it('rejects corrupt compressed text with PngMetadataError', () => {
    const broken = chunk(
      'iTXt',
      concat(latin1('k'), Uint8Array.of(0, 1, 0, 0, 0), Uint8Array.of(0x78, 0x9c, 1, 2, 3)),
    );
    expect(() => readPngTextChunks(withChunksBeforeIend(smallPng(), broken))).toThrow(
      /cannot decompress iTXt "k"/,
    );
    const badUtf8 = chunk('iTXt', concat(latin1('k'), Uint8Array.of(0, 0, 0, 0, 0, 0xff, 0xfe)));
    expect(() => readPngTextChunks(withChunksBeforeIend(smallPng(), badUtf8))).toThrow(/not valid UTF-8/);
  });
});

describe('fuzz', () => {
  const base = writePngITXtChunks(smallPng({ t: 'tEXt text' }), [
    { keyword: 'plain', text: 'hello ✓' },
    { keyword: 'packed', text: `${'x'.repeat(300)}🚀`, compressed: true },
  ]);
  const zt = withChunksBeforeIend(
    base,
    chunk('zTXt', concat(latin1('z'), Uint8Array.of(0, 0), zlibSync(latin1('zz')))),
  );

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  );

  function mutate(bytes: Uint8Array, ms: { kind: 'set' | 'cut' | 'insert'; at: number; value: number }[]) {
    let out = bytes.slice();
    for (const m of ms) {
      const at = m.at % (out.length + 1);
      if (m.kind === 'set' && at < out.length) out[at] = m.value;
      else if (m.kind === 'cut') out = out.slice(0, at);
      else if (m.kind === 'insert')
        out = concat(out.subarray(0, at), Uint8Array.of(m.value), out.subarray(at));
    }
    return out;
  }

  /** Recomputes every chunk CRC it can find, so mutations reach the text decoders. */
  function fixCrcs(bytes: Uint8Array): Uint8Array {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    let at = 8;
    while (at + 12 <= out.length) {
      const len = view.getUint32(at);
      if (at + 12 + len > out.length) break;
      view.setUint32(at + 8 + len, crc32(out.subarray(at + 4, at + 8 + len)));
      at += 12 + len;
    }
    return out;
  }

  function onlyPngMetadataErrors(bytes: Uint8Array) {
    try {
      const text = readPngTextChunks(bytes);
      writePngITXt(bytes, 'kosmograph', 'ok');
      return text;
    } catch (error) {
      if (!(error instanceof PngMetadataError)) throw error;
      return undefined;
    }
  }

  it('random byte mutations only ever raise PngMetadataError', { timeout: 20_000 }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(base, zt),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (png, ms, fix) => {
          const mutated = mutate(png, ms);
          onlyPngMetadataErrors(fix ? fixCrcs(mutated) : mutated);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('arbitrary bytes behind a valid signature only raise PngMetadataError', { timeout: 20_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        onlyPngMetadataErrors(fixCrcs(concat(base.subarray(0, 8), tail)));
      }),
      { numRuns: 500 },
    );
  });
});
