import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../../scripts/pack/ensure';
import { manifestFiles } from '../pack/manifest';
import { openPackFromUrl, type PackFetchEnv, packBaseUrl } from './url-pack';

const BASE = 'https://app.test/packs/shapes-world/';
let dir = '';

/** A fetch over the generated pack folder, with per-URL overrides and a request log. */
function fakeFetch(overrides: Record<string, Uint8Array | number> = {}) {
  const requested: string[] = [];
  const fetcher = (async (input: string | URL | Request) => {
    const url = String(input);
    requested.push(url);
    const override = overrides[url];
    if (typeof override === 'number') return new Response(null, { status: override });
    if (override) return new Response(override as Uint8Array<ArrayBuffer>);
    if (!url.startsWith(BASE)) return new Response(null, { status: 404 });
    try {
      return new Response(readFileSync(join(dir, url.slice(BASE.length))));
    } catch {
      return new Response(null, { status: 404 });
    }
  }) as typeof fetch;
  return { fetcher, requested };
}

/** A Cache Storage stand-in: one cache, keyed by URL. */
function memoryCaches(): CacheStorage {
  const entries = new Map<string, Uint8Array>();
  const cache = {
    async match(key: string) {
      const bytes = entries.get(key);
      return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : undefined;
    },
    async put(key: string, response: Response) {
      entries.set(key, new Uint8Array(await response.arrayBuffer()));
    },
    async delete(key: string) {
      return entries.delete(key);
    },
  };
  return { open: async () => cache } as unknown as CacheStorage;
}

beforeAll(async () => {
  dir = (await ensureReferencePack()).dir;
});

describe('openPackFromUrl', () => {
  it('resolves pack folders from folder or manifest URLs', () => {
    expect(packBaseUrl('/packs/a', 'https://x/app/').href).toBe('https://x/packs/a/');
    expect(packBaseUrl('packs/a/manifest.json', 'https://x/app/').href).toBe('https://x/app/packs/a/');
  });

  it('verifies every file, reports progress per file, and reads verified bytes', async () => {
    const { fetcher } = fakeFetch();
    const env: PackFetchEnv = { fetch: fetcher, caches: memoryCaches() };
    const progress: string[] = [];
    const pack = await openPackFromUrl(BASE, BASE, env, new AbortController().signal, (p) =>
      progress.push(`${p.done}/${p.total} ${p.file}`),
    );
    const files = manifestFiles(pack.models.pack!);
    expect(progress).toHaveLength(files.length);
    expect(progress.at(-1)).toBe(`${files.length}/${files.length} ${files.at(-1)!.file}`);
    expect(pack.id).toMatch(/^[0-9a-f]{64}$/);
    const unet = await pack.readFile(pack.models.components.unet!.file);
    expect(unet).toEqual(new Uint8Array(readFileSync(join(dir, pack.models.components.unet!.file))));
  });

  it('serves files from Cache Storage the second time', async () => {
    const caches = memoryCaches();
    await openPackFromUrl(BASE, BASE, { fetch: fakeFetch().fetcher, caches }, new AbortController().signal);
    const second = fakeFetch();
    await openPackFromUrl(BASE, BASE, { fetch: second.fetcher, caches }, new AbortController().signal);
    expect(second.requested).toEqual([`${BASE}manifest.json`]);
  });

  it('refuses a pack whose file does not match its sha256, naming the file', async () => {
    const tampered = `${BASE}unet/model.onnx`;
    const { fetcher } = fakeFetch({ [tampered]: new Uint8Array([1, 2, 3]) });
    await expect(
      openPackFromUrl(BASE, BASE, { fetch: fetcher }, new AbortController().signal),
    ).rejects.toThrow(/unet\/model\.onnx: sha256 mismatch for component unet/);
  });

  it('names a missing file and the manifest', async () => {
    const missing = fakeFetch({ [`${BASE}vae_decoder/model.onnx`]: 404 });
    await expect(
      openPackFromUrl(BASE, BASE, { fetch: missing.fetcher }, new AbortController().signal),
    ).rejects.toThrow(/vae_decoder\/model\.onnx: cannot fetch: HTTP 404/);
    const noManifest = fakeFetch({ [`${BASE}manifest.json`]: 404 });
    await expect(
      openPackFromUrl(BASE, BASE, { fetch: noManifest.fetcher }, new AbortController().signal),
    ).rejects.toThrow(/manifest\.json: cannot fetch: HTTP 404/);
  });
});
