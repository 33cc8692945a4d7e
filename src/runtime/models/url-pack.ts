import { jsonErrorWhere } from '../../core/json-error';
import type { PackLoadProgress } from '../host-types';
import { loadManifest, manifestFiles, PackError } from '../pack/manifest';
import { modelSetFromManifest } from './model-set';
import type { PackHandle } from './pack-handle';

/** Cache Storage bucket of verified pack files (keys are file URLs plus their sha256). */
export const PACK_CACHE_NAME = 'kosmograph-packs-v1';

/** Where a pack's files live and how to fetch them; injectable for tests. */
export interface PackFetchEnv {
  readonly fetch: typeof fetch;
  /** `caches` where available (secure contexts); without it files are kept in memory only. */
  readonly caches?: CacheStorage | undefined;
}

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** sha256 of bytes with WebCrypto, as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** The folder URL of a pack source (`.../pack/` or `.../pack/manifest.json`). */
export function packBaseUrl(source: string, relativeTo: string): URL {
  const url = new URL(source, relativeTo);
  if (url.pathname.endsWith('/manifest.json')) return new URL('./', url);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

async function fetchBytes(env: PackFetchEnv, url: string, signal: AbortSignal): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await env.fetch(url, { signal, cache: 'no-cache' });
  } catch (error) {
    signal.throwIfAborted();
    throw new PackError(url, `cannot fetch: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new PackError(url, `cannot fetch: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function openCache(env: PackFetchEnv): Promise<Cache | undefined> {
  try {
    return await env.caches?.open(PACK_CACHE_NAME);
  } catch {
    return undefined; // e.g. storage disabled: keep going without the cache
  }
}

/**
 * Opens a pack served over http(s): fetches `manifest.json`, validates it,
 * then fetches every file it lists (from Cache Storage when a verified copy
 * is there), checks each sha256 with WebCrypto and reports progress per file.
 * Any failure throws a PackError naming the file before a handle exists, so
 * nothing runs on a half-loaded pack. Verified files go to Cache Storage;
 * `readFile` reads them from there (re-checking the hash) or from memory
 * where there is no Cache Storage.
 */
export async function openPackFromUrl(
  source: string,
  relativeTo: string,
  env: PackFetchEnv,
  signal: AbortSignal,
  onProgress?: (progress: PackLoadProgress) => void,
): Promise<PackHandle> {
  const base = packBaseUrl(source, relativeTo);
  const manifestUrl = new URL('manifest.json', base).href;
  const manifestBytes = await fetchBytes(env, manifestUrl, signal);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (error) {
    throw new PackError(manifestUrl, `not valid JSON: it ${jsonErrorWhere(error)}`);
  }
  const manifest = loadManifest(json, manifestUrl);
  const files = manifestFiles(manifest);
  const cache = await openCache(env);
  const memory = new Map<string, Uint8Array>();
  const cacheKey = (url: string, sha256: string) => `${url}?sha256=${sha256}`;

  /** Verified bytes of one listed file: cached copy if it still matches, else the network. */
  const load = async (entry: (typeof files)[number], fromCache: boolean): Promise<Uint8Array> => {
    const url = new URL(entry.file, base).href;
    if (fromCache && cache) {
      const hit = await cache.match(cacheKey(url, entry.sha256));
      if (hit) {
        const bytes = new Uint8Array(await hit.arrayBuffer());
        if ((await sha256Hex(bytes)) === entry.sha256) return bytes;
        await cache.delete(cacheKey(url, entry.sha256));
      }
    }
    const bytes = await fetchBytes(env, url, signal);
    const actual = await sha256Hex(bytes);
    if (actual !== entry.sha256) {
      throw new PackError(
        url,
        `sha256 mismatch for component ${entry.component}: manifest says ${entry.sha256}, file has ${actual}`,
      );
    }
    if (cache) {
      try {
        await cache.put(
          cacheKey(url, entry.sha256),
          new Response(bytes as Uint8Array<ArrayBuffer>, {
            headers: { 'content-type': 'application/octet-stream' },
          }),
        );
      } catch {
        memory.set(entry.file, bytes); // quota: keep it in memory instead
      }
    } else {
      memory.set(entry.file, bytes);
    }
    return bytes;
  };

  let done = 0;
  // Every file was fetched (or found in the cache) to verify it: its size is known from here on.
  const sizes = new Map<string, number>();
  for (const entry of files) {
    signal.throwIfAborted();
    sizes.set(entry.file, (await load(entry, true)).byteLength);
    done += 1;
    onProgress?.({ file: entry.file, done, total: files.length });
  }

  const byFile = new Map(files.map((f) => [f.file, f]));
  return {
    source: base.href,
    id: await sha256Hex(manifestBytes),
    models: modelSetFromManifest(manifest),
    async readFile(file) {
      const entry = byFile.get(file);
      if (!entry) throw new Error(`${file} is not listed in the manifest of ${base.href}`);
      const kept = memory.get(file);
      if (kept) return kept;
      return load(entry, true);
    },
    fileSize: (file) => sizes.get(file),
  };
}
