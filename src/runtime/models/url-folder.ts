/**
 * A model folder served over http(s) as a FolderReader for the checkpoint opener. A URL cannot
 * be listed, so `list()` gives undefined and the opener probes the names it knows (model.onnx,
 * model.onnx_data, weights.pb, the configs) with `exists` (HEAD, or a one-byte ranged GET where a
 * server refuses HEAD). Model files are downloaded once, streamed through sha256 into the model
 * store (OPFS in the browser), and remembered by URL with the server's validators (ETag,
 * Last-Modified, size): a second open sends HEAD requests only, neither downloading nor
 * rehashing. Sessions read the stored bytes.
 */
import type { PackLoadProgress } from '../host-types';
import { type FolderReader, ModelSourceError } from './checkpoint/folder-reader';
import { type ModelFileStore, memoryModelStore, type StoredRecord } from './model-store';
import { sha256Hex } from './url-pack';

export interface UrlFolderEnv {
  readonly fetch: typeof fetch;
  /** Where downloaded files are kept (default: memory, for this reader's life). */
  readonly store?: ModelFileStore | undefined;
}

export interface UrlFolderOptions {
  readonly onProgress?: (progress: PackLoadProgress) => void;
}

interface Probe {
  readonly status: number;
  readonly ok: boolean;
  readonly size?: number;
  readonly etag?: string;
  readonly lastModified?: string;
}

/** Config and tokenizer files are read whole; model files never are. */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The remembered-record key of a downloaded file. */
export const urlFileKey = (url: string) => `url:${url}`;

function probeOf(response: Response): Probe {
  const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
  const length = response.headers.get('content-length');
  // A compressed response's length is not the file's.
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const size = range
    ? Number(range[1])
    : response.status === 200 && length && !encoded
      ? Number(length)
      : undefined;
  const etag = response.headers.get('etag') ?? undefined;
  const lastModified = response.headers.get('last-modified') ?? undefined;
  return {
    status: response.status,
    ok: response.ok,
    ...(size !== undefined && Number.isFinite(size) ? { size } : {}),
    ...(etag ? { etag } : {}),
    ...(lastModified ? { lastModified } : {}),
  };
}

/** A remembered download still describes the file the server has now. */
function unchanged(record: StoredRecord, probe: Probe): boolean {
  if (record.etag === undefined && record.lastModified === undefined) return false; // nothing to compare
  return (
    record.etag === probe.etag &&
    record.lastModified === probe.lastModified &&
    (probe.size === undefined || probe.size === record.size)
  );
}

export function urlFolderReader(
  base: URL,
  env: UrlFolderEnv,
  options: UrlFolderOptions = {},
): FolderReader & {
  readonly downloads: number;
  /** The HTTP status a probe of `path` got (HEAD, or a ranged GET). */
  status(path: string, signal: AbortSignal): Promise<number>;
} {
  const store = env.store ?? memoryModelStore();
  const label = base.href.replace(/\/+$/, '');
  const probes = new Map<string, Promise<Probe>>();
  const known = new Map<string, StoredRecord>();
  const hashes = new Map<string, Promise<string>>();
  /** Text files as read (tokenizer files are read and then hashed: one download). */
  const texts = new Map<string, Uint8Array>();
  let downloads = 0;
  let started = 0;
  let done = 0;
  const url = (path: string) => new URL(path, base).href;

  const request = async (path: string, init: RequestInit): Promise<Response> => {
    try {
      return await env.fetch(url(path), { cache: 'no-cache', ...init });
    } catch (error) {
      init.signal?.throwIfAborted();
      throw new ModelSourceError(url(path), `cannot fetch: ${messageOf(error)}`);
    }
  };

  const probe = (path: string, signal: AbortSignal): Promise<Probe> => {
    let pending = probes.get(path);
    if (!pending) {
      pending = (async () => {
        const head = await request(path, { method: 'HEAD', signal });
        if (head.status !== 405 && head.status !== 501) return probeOf(head);
        // A server that refuses HEAD: one byte of the file says as much.
        const ranged = await request(path, { headers: { Range: 'bytes=0-0' }, signal });
        await ranged.body?.cancel().catch(() => undefined);
        return probeOf(ranged);
      })();
      probes.set(path, pending);
      pending.catch(() => probes.delete(path));
    }
    return pending;
  };

  const get = async (path: string, signal?: AbortSignal): Promise<Response> => {
    const response = await request(path, signal ? { signal } : {});
    if (!response.ok) throw new ModelSourceError(url(path), `cannot fetch: HTTP ${response.status}`);
    return response;
  };

  const download = async (
    path: string,
    signal: AbortSignal,
  ): Promise<{ sha256: string; remembered: boolean }> => {
    const head = await probe(path, signal);
    if (!head.ok) throw new ModelSourceError(url(path), `cannot fetch: HTTP ${head.status}`);
    const key = urlFileKey(url(path));
    const remembered = await store.recall(key);
    if (remembered && unchanged(remembered, head) && (await store.has(remembered.sha256, remembered.size))) {
      known.set(path, remembered);
      return { sha256: remembered.sha256, remembered: true };
    }
    const text = texts.get(path);
    texts.delete(path);
    const response = text ? undefined : await get(path, signal);
    const body = text ? new Blob([text as Uint8Array<ArrayBuffer>]).stream() : response?.body;
    if (!body) throw new ModelSourceError(url(path), 'the server sent no body');
    const bytesTotal = head.size;
    if (response) downloads += 1;
    const stored = await store.put(body, {
      signal,
      onBytes: (bytesDone) =>
        options.onProgress?.({
          file: path,
          done,
          total: started,
          bytesDone,
          ...(bytesTotal !== undefined ? { bytesTotal } : {}),
        }),
    });
    const validators = response ? probeOf(response) : head;
    const record: StoredRecord = {
      ...stored,
      ...(validators.etag ? { etag: validators.etag } : {}),
      ...(validators.lastModified ? { lastModified: validators.lastModified } : {}),
    };
    known.set(path, record);
    await store.remember(key, record);
    return { sha256: stored.sha256, remembered: false };
  };

  return {
    label,
    get downloads() {
      return downloads;
    },
    async status(path, signal) {
      return (await probe(path, signal)).status;
    },
    async list() {
      return undefined; // a URL cannot be listed: the opener probes the names it knows
    },
    async exists(path, signal) {
      const found = await probe(path, signal);
      if (found.ok) return true;
      if (found.status >= 400 && found.status < 500) return false;
      throw new ModelSourceError(url(path), `cannot fetch: HTTP ${found.status}`);
    },
    async readText(path, signal) {
      const response = await get(path, signal);
      const length = Number(response.headers.get('content-length') ?? '0');
      if (length > MAX_TEXT_BYTES) {
        await response.body?.cancel().catch(() => undefined);
        throw new ModelSourceError(url(path), `is ${length} bytes, too large for a config file`);
      }
      const bytes = new Uint8Array(await response.arrayBuffer());
      texts.set(path, bytes);
      return new TextDecoder().decode(bytes);
    },
    sha256(path, signal) {
      let pending = hashes.get(path);
      if (!pending) {
        started += 1;
        pending = download(path, signal).then(({ sha256, remembered }) => {
          done += 1;
          options.onProgress?.({ file: path, done, total: started, ...(remembered ? { remembered } : {}) });
          return sha256;
        });
        hashes.set(path, pending);
        pending.catch(() => hashes.delete(path));
      }
      return pending;
    },
    async readBytes(path) {
      const record = known.get(path);
      const stored = record ? await store.read(record.sha256) : undefined;
      if (stored) return stored;
      // Not kept (e.g. storage was cleared): fetch it again, and it must be the file that was opened.
      const bytes = new Uint8Array(await (await get(path)).arrayBuffer());
      if (record && (await sha256Hex(bytes)) !== record.sha256)
        throw new ModelSourceError(
          url(path),
          'changed on the server since the model was opened: open it again',
        );
      return bytes;
    },
    async size(path, signal) {
      const record = known.get(path);
      if (record) return record.size;
      const found = await probe(path, signal);
      if (found.size !== undefined) return found.size;
      return (await get(path, signal)).arrayBuffer().then((b) => b.byteLength);
    },
  };
}
