import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import type { GraphDocument } from './document';
import { loadGraphDocument } from './load-document';
import {
  decodeBase64Url,
  decodeShareLink,
  encodeBase64Url,
  encodeShareLink,
  MAX_SHARE_FRAGMENT_CHARS,
} from './share-link';
import { GraphValidationError } from './validation-error';

const { lookup } = createNodeRegistry();
const BASE = 'https://kosmograph.example/app/';

function example(name: string): GraphDocument {
  return loadGraphDocument(JSON.parse(readFileSync(`public/examples/${name}.json`, 'utf8')), lookup, name)
    .graph;
}

function linkOf(graph: GraphDocument, base = BASE): string {
  const result = encodeShareLink(graph, base);
  if ('tooLarge' in result) throw new Error(`too large: ${result.bytes}`);
  return result.url;
}

function decodeError(link: string): GraphValidationError {
  try {
    decodeShareLink(link, lookup);
  } catch (error) {
    if (error instanceof GraphValidationError) return error;
    throw error;
  }
  throw new Error('expected a GraphValidationError');
}

describe('base64url', () => {
  it('round-trips every length and byte value, without padding', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 0xff);
      const text = encodeBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeBase64Url(text)).toEqual(bytes);
    }
    expect(encodeBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(decodeBase64Url('abcde')).toBeUndefined(); // no valid base64 has length 4n+1
    expect(decodeBase64Url('ab+/')).toBeUndefined();
  });
});

describe('share links', () => {
  it.each(['subject-driven', 'controlnet-canny', 'lora', 'compare'])(
    'the %s example opens exactly as it was sent',
    (name) => {
      const graph = example(name);
      const url = linkOf(graph);
      expect(url.startsWith(`${BASE}#graph=`)).toBe(true);
      const opened = decodeShareLink(url, lookup);
      expect(opened.graph).toEqual(graph);
      expect(JSON.stringify(opened.graph)).toBe(JSON.stringify(graph));
      expect(opened.warnings).toEqual([]);
    },
  );

  it('replaces a fragment the base URL already had, and opens from the fragment alone', () => {
    const graph = example('canny');
    const url = linkOf(graph, `${BASE}?pack=reference#graph=old`);
    expect(url.match(/#/g)).toHaveLength(1);
    expect(url.startsWith(`${BASE}?pack=reference#graph=`)).toBe(true);
    const fragment = url.slice(url.indexOf('#'));
    expect(decodeShareLink(fragment, lookup).graph).toEqual(graph);
    expect(decodeShareLink(fragment.slice(1), lookup).graph).toEqual(graph);
    expect(decodeShareLink(`${BASE}#x=1&${fragment.slice(1)}`, lookup).graph).toEqual(graph);
  });

  it('carries models as {url, sha256} references and warns about local paths', () => {
    const graph: GraphDocument = {
      ...example('canny'),
      models: [
        { id: 'unet', url: 'https://models.example/unet.onnx', sha256: 'a'.repeat(64) },
        { id: 'local', path: '/home/me/vae.onnx', sha256: 'b'.repeat(64) },
      ],
    };
    const result = encodeShareLink(graph, BASE);
    if ('tooLarge' in result) throw new Error('too large');
    expect(result.warnings).toEqual([
      'model "local" is referenced by a local path only ("/home/me/vae.onnx"); the receiver needs the same file',
    ]);
    expect(decodeShareLink(result.url, lookup).graph.models).toEqual(graph.models);
  });

  it('keeps unknown nodes as placeholders through a link', () => {
    const graph = example('canny');
    graph.nodes.push({
      id: 'future',
      type: 'vendor.magic',
      typeVersion: 4,
      params: { deep: { a: [1, 'b'] } },
    });
    const opened = decodeShareLink(linkOf(graph), lookup);
    expect(opened.graph.nodes.at(-1)).toEqual(graph.nodes.at(-1));
    expect(opened.warnings).toEqual(['node "future": unknown type "vendor.magic", kept as a placeholder']);
  });

  it(`refuses graphs whose fragment would pass ${MAX_SHARE_FRAGMENT_CHARS} characters`, () => {
    const graph = example('canny');
    // A PNG inlined as a data: URL does not compress: the usual reason a graph is too large.
    let noise = '';
    let x = 12345;
    for (let i = 0; i < 50_000; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      noise += String.fromCharCode(65 + ((x >>> 0) % 26));
    }
    const big = {
      ...graph,
      nodes: graph.nodes.map((n) =>
        n.id === 'image' ? { ...n, params: { image: `data:image/png;base64,${noise}` } } : n,
      ),
    };
    const result = encodeShareLink(big, BASE);
    expect(result).toEqual({ tooLarge: true, bytes: expect.any(Number), limit: MAX_SHARE_FRAGMENT_CHARS });
    expect('tooLarge' in result && result.bytes).toBeGreaterThan(MAX_SHARE_FRAGMENT_CHARS);
  });

  it('a graph from a newer kosmograph says so through a link too', () => {
    const future = { ...example('canny'), version: 5 } as unknown as GraphDocument;
    expect(decodeError(linkOf(future)).message).toMatch(
      /^share link: this graph was made by a newer kosmograph/,
    );
  });
});

describe('damaged share links', () => {
  const url = linkOf(example('subject-driven'));
  const data = url.slice(url.indexOf('=') + 1);
  const flip = (text: string, at: number) =>
    text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

  it.each([
    ['no graph in the link', BASE, /^share link: this link holds no graph \(no "#graph=" in it\)$/],
    ['an empty graph value', `${BASE}#graph=`, /holds no graph data after "#graph="/],
    [
      'characters outside base64url',
      `${BASE}#graph=${data.slice(0, 20)}%20${data.slice(20)}`,
      /not base64url/,
    ],
    ['a link cut short', `${BASE}#graph=${data.slice(0, Math.floor(data.length / 2))}`, /damaged/],
    ['a link cut by one character', `${BASE}#graph=${data.slice(0, -1)}`, /damaged/],
    [
      'one character changed in the middle',
      `${BASE}#graph=${flip(data, Math.floor(data.length / 2))}`,
      /damaged/,
    ],
    ['one character changed near the end', `${BASE}#graph=${flip(data, data.length - 3)}`, /damaged/],
    ['a fragment that is not deflate data', `${BASE}#graph=aGVsbG8gd29ybGQ`, /damaged/],
  ])('%s gives a clear error', (_label, link, message) => {
    const error = decodeError(link);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith('share link: ')).toBe(true);
  });

  it('every single-character change is caught, never loaded as another graph', () => {
    for (let at = 0; at < data.length; at += Math.max(1, Math.floor(data.length / 200))) {
      const link = `#graph=${flip(data, at)}`;
      expect(() => decodeShareLink(link, lookup), `change at ${at}`).toThrow(GraphValidationError);
    }
  });
});
