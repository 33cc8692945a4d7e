/**
 * The pure part of the file and network policy (see `file-policy.ts`): which local paths and
 * which URLs a graph may read, decided from strings alone. No I/O here, so every rule is
 * tested without touching the disk or the network.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_FETCH_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
/** Redirects one URL read may follow; every hop's origin is checked. */
export const MAX_REDIRECTS = 5;

/**
 * What a host allows the graphs it runs to read. Plain data, so it crosses to the engine
 * worker in `workerData` (checked there with this schema).
 */
export const filePolicyOptionsSchema = z.object({
  /**
   * Folders whose files (and sub-folders) may be read, as absolute paths. `'*'` alone allows
   * every local path (a host running only its user's own graphs, e.g. tests and benchmarks).
   */
  roots: z.union([z.array(z.string().min(1)), z.literal('*')]),
  /** Single files that may be read wherever they are (the images a user named with --input). */
  files: z.array(z.string().min(1)).default([]),
  /** http(s) origins that may be fetched (`https://host[:port]`); `'*'` allows every origin. */
  origins: z.union([z.array(z.string().min(1)), z.literal('*')]),
  maxFileBytes: z.number().int().positive().default(DEFAULT_MAX_FILE_BYTES),
  maxFetchBytes: z.number().int().positive().default(DEFAULT_MAX_FETCH_BYTES),
  /** A fetch fails when the server sends nothing (headers or body bytes) for this long. */
  fetchTimeoutMs: z.number().int().positive().default(DEFAULT_FETCH_TIMEOUT_MS),
  /** Appended to refusals: how the user of this host allows more (e.g. the CLI's flags). */
  hint: z.string().default(''),
});

export type FilePolicyOptions = z.input<typeof filePolicyOptionsSchema>;
export type ResolvedFilePolicyOptions = z.output<typeof filePolicyOptionsSchema>;

/** A read the policy refuses; the message names the path or URL, the rule, and how to allow it. */
export class FilePolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilePolicyError';
  }
}

/** True when `path` is `root` or lies inside it (both absolute and normalised). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The absolute path a graph's `source` names: relative paths resolve against `baseDir`. */
export function resolveSourcePath(source: string, baseDir: string): string {
  return isAbsolute(source) ? resolve(source) : resolve(baseDir, source);
}

/** Whether a source string is an http(s) URL (the only network scheme a graph may name). */
export const isHttpUrl = (source: string): boolean => /^https?:\/\//i.test(source);

/** A URL-looking source with another scheme (file:, ftp:, javascript:...): never read. */
export const hasOtherScheme = (source: string): boolean =>
  /^[a-z][a-z0-9+.-]+:/i.test(source) && !isHttpUrl(source) && !source.startsWith('data:');

/** `https://host[:port]` of an http(s) URL or origin text; throws a FilePolicyError for anything else. */
export function originOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FilePolicyError(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new FilePolicyError(`${url.protocol} URLs are not read (only http and https)`);
  return url.origin;
}

/** Whether `url`'s origin is one of `origins` (already normalised with `originOf`). */
export function originAllowed(url: string, origins: readonly string[] | '*'): boolean {
  if (origins === '*') return true;
  return origins.includes(originOf(url));
}

/** Whether an absolute, real path may be read under these roots and single files. */
export function pathAllowed(path: string, roots: readonly string[] | '*', files: readonly string[]): boolean {
  if (roots === '*') return true;
  return files.includes(path) || roots.some((root) => isInside(path, root));
}

const describeRoots = (roots: readonly string[]) =>
  roots.length === 0 ? 'no folders are allowed' : `allowed: ${roots.join(', ')}`;

/** The refusal for a path outside the allowed folders (`real`: where a link in it leads). */
export function outsideRootsMessage(
  path: string,
  roots: readonly string[],
  hint: string,
  real = path,
): string {
  const what = real === path ? path : `${path} (a link to ${real})`;
  return `${what} is outside the folders this graph may read (${describeRoots(roots)})${hint ? `; ${hint}` : ''}`;
}

/** The refusal for a URL whose origin is not allowed. */
export function originRefusedMessage(url: string, hint: string): string {
  return `${originOf(url)} is not an allowed origin, so ${url} is not fetched${hint ? `; ${hint}` : ''}`;
}

/** What a file system entry is, for messages about things that are not regular files. */
export function kindOfEntry(stats: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Sizes in messages: MiB with one decimal above 1 MiB, else bytes. */
export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${bytes} bytes`;
}
