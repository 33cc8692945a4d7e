/**
 * Share links: the whole graph document, zlib-compressed (fflate) and
 * base64url-encoded, in the URL fragment as `#graph=<data>`. The fragment
 * never reaches a server, so a link shares a graph without uploading it.
 * Models travel as the graph's own `{url | path, sha256}` references, never inline.
 *
 * Pure: no DOM, no Node APIs.
 */
import { Unzlib, zlibSync } from 'fflate';
import { z } from 'zod';
import type { GraphDocument } from './document';
import { type LoadedGraph, loadGraphDocument } from './load-document';
import type { NodeSpecLookup } from './node-spec';
import { GraphValidationError } from './validation-error';

/** The fragment key. A future encoding would use a new key, so old links keep opening. */
export const SHARE_LINK_KEY = 'graph';

/**
 * Longest fragment (`#graph=` included) a share link may have: 32 KiB. Browsers
 * accept far longer URLs, but chat apps, mail clients and URL shorteners cut
 * or refuse them well before 64 KiB; larger graphs (usually ones with images
 * inlined as data: URLs) are shared as a file or a PNG instead.
 */
export const MAX_SHARE_FRAGMENT_CHARS = 32 * 1024;

/** Refuse to inflate a fragment beyond this, so a hostile link cannot exhaust memory. */
export const MAX_SHARED_GRAPH_BYTES = 16 * 1024 * 1024;

export type ShareLinkResult =
  | {
      readonly url: string;
      /** Things the receiver should know (models referenced by local path only). */
      readonly warnings: readonly string[];
    }
  | { readonly tooLarge: true; readonly bytes: number; readonly limit: number };

// ---------------------------------------------------------------------------------------------
// base64url (RFC 4648 §5) without padding

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]));

export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

/** Decodes unpadded base64url; undefined when the text cannot be base64url. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (const c of text) {
    const v = DECODE.get(c);
    if (v === undefined) return undefined;
    buffer = ((buffer << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (buffer >> bits) & 0xff;
    }
  }
  // Canonical only: the bits left over in the last character must be zero.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

// ---------------------------------------------------------------------------------------------

function fragmentFor(graph: GraphDocument): string {
  const json = new TextEncoder().encode(JSON.stringify(graph));
  return `#${SHARE_LINK_KEY}=${encodeBase64Url(zlibSync(json, { level: 9 }))}`;
}

/**
 * A link that opens `graph`: `baseUrl` (any fragment it had is replaced) plus
 * `#graph=<data>`. Graphs whose fragment would exceed
 * {@link MAX_SHARE_FRAGMENT_CHARS} come back as `{tooLarge, bytes, limit}`:
 * offer a file download instead.
 */
export function encodeShareLink(graph: GraphDocument, baseUrl: string): ShareLinkResult {
  const fragment = fragmentFor(graph);
  if (fragment.length > MAX_SHARE_FRAGMENT_CHARS) {
    return { tooLarge: true, bytes: fragment.length, limit: MAX_SHARE_FRAGMENT_CHARS };
  }
  const hash = baseUrl.indexOf('#');
  const base = hash >= 0 ? baseUrl.slice(0, hash) : baseUrl;
  const warnings = (graph.models ?? [])
    .filter((m) => m.url === undefined)
    .map(
      (m) =>
        `model "${m.id}" is referenced by a local path only ("${m.path}"); the receiver needs the same file`,
    );
  return { url: `${base}${fragment}`, warnings };
}

const CONTEXT = 'share link';
const fragmentDataSchema = z
  .string()
  .min(1, 'the link holds no graph data after "#graph="')
  .regex(
    /^[A-Za-z0-9_-]+$/,
    "the link's graph data has characters that are not base64url (was it cut or edited?)",
  );

function damaged(message: string): GraphValidationError {
  return new GraphValidationError([{ code: 'invalid_document', message }], CONTEXT);
}

function inflateCapped(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let tooBig = false;
  const stream = new Unzlib((chunk) => {
    total += chunk.length;
    if (total > MAX_SHARED_GRAPH_BYTES) tooBig = true;
    else parts.push(chunk);
  });
  const slice = 16 * 1024;
  for (let i = 0; i < data.length && !tooBig; i += slice) {
    stream.push(data.subarray(i, i + slice), i + slice >= data.length);
  }
  if (tooBig) throw damaged(`the link's graph is larger than ${MAX_SHARED_GRAPH_BYTES} bytes once unpacked`);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const chunk = 5552; // the largest n for which the sums cannot overflow before the modulo
  for (let i = 0; i < bytes.length; i += chunk) {
    const end = Math.min(bytes.length, i + chunk);
    for (let j = i; j < end; j++) {
      a += bytes[j]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** The `graph=` value of a URL, a `#fragment`, or a bare `graph=...` string. */
function fragmentData(urlOrFragment: string): string {
  const trimmed = urlOrFragment.trim();
  const hash = trimmed.indexOf('#');
  const fragment = hash >= 0 ? trimmed.slice(hash + 1) : trimmed;
  for (const part of fragment.split('&')) {
    if (part.startsWith(`${SHARE_LINK_KEY}=`)) return part.slice(SHARE_LINK_KEY.length + 1);
  }
  throw damaged(`this link holds no graph (no "#${SHARE_LINK_KEY}=" in it)`);
}

/**
 * Opens a share link (a full URL, its `#fragment`, or `graph=...`). A cut,
 * edited or corrupted link gives a GraphValidationError saying the link is
 * damaged; the graph itself then loads as any graph does (migrations,
 * placeholders, "made by a newer kosmograph"). Throws only GraphValidationError.
 */
export function decodeShareLink(urlOrFragment: string, lookup: NodeSpecLookup): LoadedGraph {
  const parsed = fragmentDataSchema.safeParse(fragmentData(urlOrFragment));
  if (!parsed.success) throw damaged(parsed.error.issues[0]?.message ?? 'the link is damaged');
  const compressed = decodeBase64Url(parsed.data);
  if (!compressed)
    throw damaged("the link's graph data is damaged (its length is not valid base64url; was it cut?)");
  let bytes: Uint8Array;
  try {
    bytes = inflateCapped(compressed);
  } catch (error) {
    if (error instanceof GraphValidationError) throw error;
    throw damaged(
      `the link's graph data is damaged and cannot be unpacked (${error instanceof Error ? error.message : String(error)}); was the link cut or edited?`,
    );
  }
  // fflate does not check zlib's Adler-32; a changed character must not load as a different graph.
  const tail = compressed.subarray(compressed.length - 4);
  const stored =
    compressed.length >= 6 ? ((tail[0]! << 24) | (tail[1]! << 16) | (tail[2]! << 8) | tail[3]!) >>> 0 : -1;
  if (stored !== adler32(bytes))
    throw damaged("the link's graph data is damaged (checksum mismatch; was the link edited?)");
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw damaged("the link's graph data is damaged (not UTF-8 text)");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged("the link's graph data is damaged (not valid JSON)");
  }
  return loadGraphDocument(json, lookup, CONTEXT);
}
