// Decides whether the compiled CLI in dist-cli/ (built by `npm run build:cli`) may run, or whether
// the TypeScript sources must (through tsx). Plain JavaScript: it runs before anything can compile
// TypeScript, on every start of the bin and of the Node engine worker, so it only stats files.
//
// The build writes dist-cli/build-stamp.json: every file esbuild read (sources and bundled
// packages) with its mtime and size, and the mtime of every source folder (a file added to or
// removed from one can change what an import resolves to). The build counts as fresh only while
// all of them are unchanged: an edit, a new file next to a source, `npm ci` (it rewrites
// node_modules/.package-lock.json) or a deleted file sends the start to the sources.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The stamp's format; a stamp of another version is treated as missing. */
export const STAMP_VERSION = 1;
export const STAMP_FILE = 'build-stamp.json';

/** The repository root (the folder above bin/). */
export const ROOT_DIR = resolve(import.meta.dirname, '..');
/** Where `npm run build:cli` writes the compiled CLI. */
export const DIST_DIR = join(ROOT_DIR, 'dist-cli');

/**
 * @param {string} rootDir
 * @param {string} path relative to rootDir
 */
function statOf(rootDir, path) {
  return statSync(join(rootDir, path), { throwIfNoEntry: false });
}

/**
 * Why the build in `distDir` may not run for `entry` ('cli' or 'engine-worker'), or its file.
 * @param {string} entry
 * @param {{ distDir?: string, rootDir?: string }} [where]
 * @returns {{ fresh: true, file: string } | { fresh: false, reason: string }}
 */
export function checkCompiledBuild(entry, where = {}) {
  const distDir = where.distDir ?? DIST_DIR;
  const rootDir = where.rootDir ?? ROOT_DIR;
  if (process.env.KOSMOGRAPH_FROM_SOURCE === '1') return { fresh: false, reason: 'KOSMOGRAPH_FROM_SOURCE=1' };
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(distDir, STAMP_FILE), 'utf8'));
  } catch {
    return { fresh: false, reason: `no compiled build in ${distDir} (npm run build:cli)` };
  }
  if (stamp?.version !== STAMP_VERSION || typeof stamp.entries?.[entry] !== 'string') {
    return { fresh: false, reason: `${join(distDir, STAMP_FILE)} is from another build version` };
  }
  for (const [path, mtimeMs, size] of stamp.files) {
    const now = statOf(rootDir, path);
    if (!now || now.mtimeMs !== mtimeMs || now.size !== size) {
      return { fresh: false, reason: `${path} changed since the build` };
    }
  }
  for (const [path, mtimeMs] of stamp.dirs) {
    const now = statOf(rootDir, path);
    if (!now || now.mtimeMs !== mtimeMs)
      return { fresh: false, reason: `files were added to or removed from ${path}/` };
  }
  return { fresh: true, file: join(distDir, stamp.entries[entry]) };
}

/**
 * The module a start should import: the compiled `entry` when fresh, else `sourceUrl` with tsx
 * registered first. `KOSMOGRAPH_DEBUG_START=1` says on stderr which one and why.
 * @param {string} entry
 * @param {URL} sourceUrl
 * @returns {Promise<string>} a URL to import
 */
export async function startModule(entry, sourceUrl) {
  const build = checkCompiledBuild(entry);
  const debug = process.env.KOSMOGRAPH_DEBUG_START === '1';
  if (build.fresh) {
    if (debug) process.stderr.write(`kosmograph start: ${entry} compiled (${build.file})\n`);
    return pathToFileURL(build.file).href;
  }
  if (debug) process.stderr.write(`kosmograph start: ${entry} from sources via tsx (${build.reason})\n`);
  const { register } = await import('tsx/esm/api');
  register();
  return sourceUrl.href;
}
