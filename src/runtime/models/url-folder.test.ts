import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../../scripts/pack/ensure';
import type { PackLoadProgress } from '../host-types';
import { createFileHashCache } from '../node/file-hash-cache';
import { nodeFolderReader } from '../node/node-folder';
import { REFERENCE_PACK_DIR } from '../node/node-model-services';
import { openCheckpoint } from './checkpoint/open-checkpoint';
import { memoryModelStore } from './model-store';
import { urlFolderReader } from './url-folder';
import { modelBaseUrl, openUrlSource } from './url-source';

const OPTIMUM = resolve('test/fixtures/sd15/optimum');
const HOST = 'https://models.test/';

interface Served {
  readonly fetch: typeof fetch;
  /** `METHOD path` of every request. */
  readonly log: string[];
}

/**
 * A static file server over local folders (`https://models.test/<name>/...`), with ETag and
 * Last-Modified, HEAD (or 405 for it), and per-path ETag overrides to simulate a changed file.
 */
function serve(
  folders: Record<string, string>,
  options: { noHead?: boolean; etags?: Record<string, string> } = {},
): Served {
  const log: string[] = [];
  const fetcher = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const path = url.pathname.slice(1);
    log.push(`${method} ${path}`);
    if (method === 'HEAD' && options.noHead) return new Response(null, { status: 405 });
    const [folder, ...rest] = path.split('/');
    const dir = folders[folder ?? ''];
    let file: string;
    try {
      if (!dir) throw new Error('no folder');
      file = join(dir, ...rest);
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      return new Response(null, { status: 404 });
    }
    const info = statSync(file);
    const headers = {
      etag: options.etags?.[path] ?? `W/"${info.size}-${Math.round(info.mtimeMs)}"`,
      'last-modified': new Date(info.mtimeMs).toUTCString(),
      'content-length': String(info.size),
    };
    if (method === 'HEAD') return new Response(null, { status: 200, headers });
    const range = new Headers(init?.headers).get('range');
    if (range === 'bytes=0-0')
      return new Response(readFileSync(file).subarray(0, 1), {
        status: 206,
        headers: { ...headers, 'content-range': `bytes 0-0/${info.size}`, 'content-length': '1' },
      });
    return new Response(readFileSync(file), { status: 200, headers });
  }) as typeof fetch;
  return { fetch: fetcher, log };
}

const signal = () => new AbortController().signal;
const onDisk = (dir: string) =>
  openCheckpoint(
    nodeFolderReader(dir, createFileHashCache(join(mkdtempSync(join(tmpdir(), 'kg-hash-')), 'sha256.json'))),
    dir,
    signal(),
  );
const modelGets = (log: readonly string[]) =>
  log.filter((l) => l.startsWith('GET ') && /\.(onnx|onnx_data)$/.test(l));
const gets = (log: readonly string[]) => log.filter((l) => l.startsWith('GET '));

describe('a checkpoint folder at a URL', () => {
  beforeAll(async () => {
    await ensureReferencePack();
  });

  it('opens like the folder on disk, streaming each file into the store once', async () => {
    const server = serve({ sd: OPTIMUM });
    const store = memoryModelStore();
    const progress: PackLoadProgress[] = [];
    const pack = await openUrlSource(
      `${HOST}sd/model_index.json`,
      HOST,
      { fetch: server.fetch, store },
      signal(),
      (p) => progress.push(p),
    );
    const local = await onDisk(OPTIMUM);
    expect(pack.source).toBe(`${HOST}sd/`);
    expect(pack.models.name).toBe('sd');
    expect(pack.models.layout).toBe('optimum-onnx');
    expect(pack.id).toBe(local.id);
    expect(pack.models.components).toEqual(local.models.components);
    const external = pack.models.components.unet!.externalData![0]!;
    expect(external.file).toBe('unet/model.onnx_data');
    expect(pack.fileSize?.(external.file)).toBe(statSync(join(OPTIMUM, external.file)).size);
    expect(modelGets(server.log)).toHaveLength(5);
    // Each file is fetched once (the tokenizer files are read, then hashed from what was read).
    expect(new Set(gets(server.log)).size).toBe(gets(server.log).length);
    const done = progress.filter((p) => p.bytesDone === undefined);
    expect(done.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(done.at(-1)?.total).toBe(7);

    // Sessions read the stored bytes: no download.
    const before = server.log.length;
    const bytes = await pack.readFile(external.file);
    expect(Buffer.from(bytes).equals(readFileSync(join(OPTIMUM, external.file)))).toBe(true);
    expect(server.log.length).toBe(before);

    // A second open with the same store: HEAD requests and small configs only.
    const again = serve({ sd: OPTIMUM });
    const second = await openUrlSource(`${HOST}sd/`, HOST, { fetch: again.fetch, store }, signal());
    expect(second.id).toBe(pack.id);
    expect(modelGets(again.log)).toEqual([]);

    // A file whose ETag changed is downloaded again.
    const changed = serve({ sd: OPTIMUM }, { etags: { 'sd/unet/model.onnx_data': '"new"' } });
    await openUrlSource(`${HOST}sd/`, HOST, { fetch: changed.fetch, store }, signal());
    expect(modelGets(changed.log)).toEqual(['GET sd/unet/model.onnx_data']);
  });

  it('works with servers that refuse HEAD (a one-byte ranged GET instead)', async () => {
    const server = serve({ sd: OPTIMUM }, { noHead: true });
    const pack = await openUrlSource(`${HOST}sd`, HOST, { fetch: server.fetch }, signal());
    expect(pack.models.layout).toBe('optimum-onnx');
    expect(server.log).toContain('HEAD sd/manifest.json');
  });

  it('reads a file again from the server when the store lost it, and checks it is the same file', async () => {
    const forgetful = { ...memoryModelStore(), read: async () => undefined };
    let folder = OPTIMUM;
    const fetcher = ((input: string | URL | Request, init?: RequestInit) =>
      serve({ sd: folder }).fetch(input, init)) as typeof fetch;
    const reader = urlFolderReader(new URL(`${HOST}sd/`), { fetch: fetcher, store: forgetful });
    const sha = await reader.sha256('vae_decoder/model.onnx', signal());
    expect(sha).toBe((await onDisk(OPTIMUM)).models.components.vae_decoder!.sha256);
    const bytes = await reader.readBytes('vae_decoder/model.onnx');
    expect(Buffer.from(bytes).equals(readFileSync(join(OPTIMUM, 'vae_decoder/model.onnx')))).toBe(true);
    folder = resolve('test/fixtures/sd15/fp16'); // the server's file changed since
    await expect(reader.readBytes('vae_decoder/model.onnx')).rejects.toThrow(
      /sd\/vae_decoder\/model\.onnx: changed on the server since the model was opened/,
    );
  });

  it('still opens packs, and says what it expected where there is neither', async () => {
    const server = serve({ pack: REFERENCE_PACK_DIR });
    const pack = await openUrlSource(`${HOST}pack/`, HOST, { fetch: server.fetch }, signal());
    expect(pack.models.layout).toBe('kosmograph-pack');
    await expect(openUrlSource(`${HOST}nothing/`, HOST, { fetch: server.fetch }, signal())).rejects.toThrow(
      /^https:\/\/models\.test\/nothing\/manifest\.json: cannot fetch: HTTP 404, and there is no model_index\.json beside it either: expected a kosmograph pack/,
    );
  });

  it('takes the folder from a URL to the folder or to one of its index files', () => {
    expect(modelBaseUrl('https://h/m/model_index.json', HOST).href).toBe('https://h/m/');
    expect(modelBaseUrl('https://h/m/manifest.json?x=1', HOST).href).toBe('https://h/m/');
    expect(modelBaseUrl('https://h/m', HOST).href).toBe('https://h/m/');
    expect(modelBaseUrl('m/', 'https://h/app/').href).toBe('https://h/app/m/');
  });
});
