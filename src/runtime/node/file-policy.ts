/**
 * The file and network policy of a headless host: what the graphs it runs may read.
 *
 * Every graph is untrusted input (strangers share JSON, links and PNGs), so the Node runtime
 * reads nothing a graph names except through a `FilePolicy`:
 *
 * - local paths only under the allowed folders (`roots`) or the single allowed `files`, judged
 *   on the real path (symlinks resolved) and judged again on the file actually opened
 *   (`/proc/self/fd` on Linux), so a symlink swapped in between cannot escape;
 * - regular files only: devices, FIFOs (opened non-blocking, so an open never hangs), sockets
 *   and folders are refused; a size cap per file, checked before reading and while reading;
 * - URLs over http(s) only, to allowed origins (each redirect hop checked too), with a size cap
 *   and an idle timeout; one job reads a source once (`readSource` remembers it per job
 *   signal), so a URL is fetched once and the bytes hashed for the cache key are the bytes used;
 * - refusals are `FilePolicyError`s naming the path or URL, the rule and how to allow more
 *   (`hint`); no message ever quotes a file's contents.
 *
 * Hosts construct one with `createFilePolicy(options)`:
 *
 * ```ts
 * // kosmograph run: the graph's folder (none for a PNG), --allow-dir folders, the --input files
 * createFilePolicy({ roots: [graphDir, ...allowDirs], files: inputFiles, origins: allowOrigins,
 *                    hint: 'allow a folder with --allow-dir DIR' });
 * // kosmograph serve: its own upload and model folders, no network
 * createFilePolicy({ roots: [uploadsDir, modelsDir], origins: [] });
 * ```
 *
 * `trustedFilePolicy()` (every path, every origin; still regular files only, with the caps) is
 * for hosts that run only their own user's graphs: tests, benchmarks, library use.
 * The options are plain data (`filePolicyOptionsSchema`), so they cross to the engine worker.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  FilePolicyError,
  type FilePolicyOptions,
  filePolicyOptionsSchema,
  formatBytes,
  hasOtherScheme,
  isHttpUrl,
  kindOfEntry,
  MAX_REDIRECTS,
  originAllowed,
  originOf,
  originRefusedMessage,
  outsideRootsMessage,
  pathAllowed,
  type ResolvedFilePolicyOptions,
  resolveSourcePath,
} from './file-policy-rules';

export { FilePolicyError, type FilePolicyOptions, filePolicyOptionsSchema } from './file-policy-rules';

/** A file opened for reading under the policy: a regular file, inside the allowed folders. */
export interface OpenedFile {
  readonly handle: FileHandle;
  /** The real path of the file that is open. */
  readonly realPath: string;
  /** `fstat` of the open file. */
  readonly stats: Stats;
}

export interface FilePolicy {
  readonly options: ResolvedFilePolicyOptions;
  /**
   * The bytes of an image or file source a node names: a data: URL, an http(s) URL (fetched
   * once per job: results are remembered per `signal`), or a local path (relative to `baseDir`).
   */
  readSource(source: string, baseDir: string, signal: AbortSignal): Promise<Uint8Array>;
  /** A local file's bytes (regular file, allowed, within the size cap). */
  readFile(path: string, signal?: AbortSignal): Promise<Uint8Array>;
  /** Opens a local file for reading after the checks; the caller closes the handle. */
  openFile(path: string, maxBytes?: number): Promise<OpenedFile>;
  /** The real path of a model folder the graph names, refused when outside the allowed folders. */
  allowFolder(dir: string): Promise<string>;
  /** An http(s) URL's bytes: allowed origin, size cap, idle timeout, redirects checked. */
  fetchBytes(url: string, signal: AbortSignal): Promise<Uint8Array>;
  /** `fetch` for model URLs: allowed origins only (every redirect hop), no size cap. */
  readonly fetch: typeof fetch;
}

const abortReason = (signal: AbortSignal | undefined): unknown =>
  signal?.reason ?? new DOMException('aborted', 'AbortError');

/** Resolves paths with realpath, keeping the ones that exist (a missing root allows nothing). */
async function realPaths(paths: readonly string[]): Promise<string[]> {
  const out = await Promise.all(paths.map((p) => realpath(p).catch(() => undefined)));
  return out.filter((p): p is string => p !== undefined);
}

/** The path of an open descriptor as the kernel sees it (Linux), or undefined elsewhere. */
async function pathOfDescriptor(handle: FileHandle): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  return readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
}

/** Reads an open file to its end, refusing more than `maxBytes` (the file may grow after fstat). */
async function readOpened(
  opened: OpenedFile,
  maxBytes: number,
  label: string,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const chunkSize = Math.min(Math.max(opened.stats.size, 64 * 1024), 16 * 1024 * 1024);
  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    const chunk = new Uint8Array(Math.min(chunkSize, maxBytes + 1 - total));
    const { bytesRead } = await opened.handle.read(chunk, 0, chunk.length, total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > maxBytes)
      throw new FilePolicyError(`${label} is larger than the ${formatBytes(maxBytes)} a file may be`);
    chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const DATA_URL = /^data:([^;,]*)(;base64)?,(.*)$/s;

/** A data: URL's payload, refused when it decodes to more than `maxBytes`. */
export function decodeDataUrl(url: string, maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array {
  const match = DATA_URL.exec(url);
  if (!match) throw new Error('malformed data: URL');
  const payload = match[3] ?? '';
  const estimate = match[2] ? Math.floor((payload.length * 3) / 4) : payload.length;
  if (estimate > maxBytes)
    throw new FilePolicyError(`the data: URL holds more than the ${formatBytes(maxBytes)} a file may be`);
  return match[2]
    ? new Uint8Array(Buffer.from(payload, 'base64'))
    : new TextEncoder().encode(decodeURIComponent(payload));
}

/** Every origin, every local path: for hosts that run only their own user's graphs. */
export function trustedFilePolicy(
  options: Partial<Omit<FilePolicyOptions, 'roots' | 'origins'>> = {},
): FilePolicy {
  return createFilePolicy({ ...options, roots: '*', origins: '*' });
}

/** A policy from plain options (see the module comment for how hosts build them). */
export function createFilePolicy(input: FilePolicyOptions): FilePolicy {
  const options = filePolicyOptionsSchema.parse(input);
  const origins = options.origins === '*' ? '*' : options.origins.map(originOf);
  let allowed: Promise<{ roots: string[] | '*'; files: string[] }> | undefined;
  const allowedPaths = () => {
    allowed ??= (async () => ({
      roots: options.roots === '*' ? ('*' as const) : await realPaths(options.roots),
      files: await realPaths(options.files),
    }))();
    return allowed;
  };
  const checkReal = async (real: string, shown: string) => {
    const { roots, files } = await allowedPaths();
    if (pathAllowed(real, roots, files)) return;
    // A link is named as such: allowing the folder it sits in does not allow where it leads.
    const linked = real !== resolve(shown) ? real : shown;
    throw new FilePolicyError(outsideRootsMessage(shown, roots === '*' ? [] : roots, options.hint, linked));
  };
  const realOf = async (path: string): Promise<string> => {
    try {
      return await realpath(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FilePolicyError(`file not found: ${path}`);
      throw new FilePolicyError(`cannot read ${path} (${code ?? 'error'})`);
    }
  };

  const openFile = async (path: string, maxBytes = options.maxFileBytes): Promise<OpenedFile> => {
    const real = await realOf(path);
    await checkReal(real, path);
    let handle: FileHandle;
    try {
      // Non-blocking: opening a FIFO without a writer returns at once (then fstat refuses it).
      handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FilePolicyError(
        code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path} (${code ?? 'error'})`,
      );
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile())
        throw new FilePolicyError(`${path} is ${kindOfEntry(stats)}; only regular files are read`);
      // Judged again on what is open: a symlink swapped in after realpath cannot escape.
      const opened = (await pathOfDescriptor(handle)) ?? real;
      await checkReal(opened, path);
      if (stats.size > maxBytes)
        throw new FilePolicyError(
          `${path} is ${formatBytes(stats.size)}, larger than the ${formatBytes(maxBytes)} a file may be`,
        );
      return { handle, realPath: opened, stats };
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  const readFile = async (path: string, signal?: AbortSignal): Promise<Uint8Array> => {
    const opened = await openFile(path);
    try {
      return await readOpened(opened, options.maxFileBytes, path, signal);
    } finally {
      await opened.handle.close();
    }
  };

  /** One request with redirects followed by hand, each hop's origin checked. */
  const guardedFetch = async (
    url: string,
    init: RequestInit,
    signal: AbortSignal | undefined,
  ): Promise<Response> => {
    let current = url;
    for (let hop = 0; ; hop++) {
      if (!originAllowed(current, origins))
        throw new FilePolicyError(originRefusedMessage(current, options.hint));
      const response = await fetch(current, { ...init, redirect: 'manual', ...(signal ? { signal } : {}) });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return response;
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS)
        throw new FilePolicyError(`${url} redirects more than ${MAX_REDIRECTS} times`);
      current = new URL(location, current).href;
    }
  };

  const fetchBytes = async (url: string, signal: AbortSignal): Promise<Uint8Array> => {
    originOf(url); // only http(s)
    const idle = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        idle.abort();
      }, options.fetchTimeoutMs);
    };
    const both = AbortSignal.any([signal, idle.signal]);
    const fail = (error: unknown): never => {
      if (signal.aborted) throw abortReason(signal);
      if (error instanceof FilePolicyError) throw error;
      if (timedOut)
        throw new FilePolicyError(
          `${url}: the server sent nothing for ${options.fetchTimeoutMs / 1000} s (timed out)`,
        );
      throw new FilePolicyError(
        `cannot fetch ${url}: ${error instanceof Error ? error.message : String(error)}`,
      );
    };
    arm();
    try {
      let response: Response;
      try {
        response = await guardedFetch(url, { cache: 'no-store' }, both);
      } catch (error) {
        return fail(error);
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new FilePolicyError(`cannot fetch ${url}: HTTP ${response.status}`);
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      const tooLarge = () =>
        new FilePolicyError(`${url} is larger than the ${formatBytes(options.maxFetchBytes)} a fetch may be`);
      if (declared > options.maxFetchBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw tooLarge();
      }
      const chunks: Uint8Array[] = [];
      let total = 0;
      try {
        const reader = response.body?.getReader();
        while (reader) {
          arm();
          const { done, value } = await reader.read();
          if (done) break;
          total += value.byteLength;
          if (total > options.maxFetchBytes) {
            await reader.cancel().catch(() => undefined);
            throw tooLarge();
          }
          chunks.push(value);
        }
      } catch (error) {
        return fail(error);
      }
      return Buffer.concat(chunks);
    } finally {
      clearTimeout(timer);
    }
  };

  /** Per job (its signal), each source read once: the bytes hashed for the cache key are the bytes used. */
  const perJob = new WeakMap<AbortSignal, Map<string, Promise<Uint8Array>>>();
  const readSource = (source: string, baseDir: string, signal: AbortSignal): Promise<Uint8Array> => {
    let reads = perJob.get(signal);
    if (!reads) {
      reads = new Map();
      perJob.set(signal, reads);
    }
    const key = `${baseDir}\0${source}`;
    let read = reads.get(key);
    if (!read) {
      read = readSourceOnce(source, baseDir, signal);
      reads.set(key, read);
      read.catch(() => reads.delete(key));
    }
    return read;
  };
  const readSourceOnce = async (source: string, baseDir: string, signal: AbortSignal) => {
    if (source.trim() === '') throw new Error('no file chosen (the source is empty)');
    if (source.startsWith('data:')) return decodeDataUrl(source, options.maxFileBytes);
    if (isHttpUrl(source)) return fetchBytes(source, signal);
    if (hasOtherScheme(source))
      throw new FilePolicyError(`${source.split(':')[0]}: URLs are not read (only http(s), data: and paths)`);
    return readFile(resolveSourcePath(source, baseDir), signal);
  };

  return {
    options,
    readSource,
    readFile,
    openFile,
    fetchBytes,
    async allowFolder(dir) {
      const real = await realOf(dir);
      await checkReal(real, dir);
      return real;
    },
    fetch: ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      return guardedFetch(url, init ?? {}, init?.signal ?? undefined);
    }) as typeof fetch,
  };
}
