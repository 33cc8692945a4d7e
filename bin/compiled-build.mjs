// Decides whether the compiled CLI in dist-cli/ (built by `npm run build:cli`) may run, or whether
// the TypeScript sources must (through tsx). Plain JavaScript: it runs before anything can compile
// TypeScript, on every start of the bin and of the Node engine worker, so it only stats files.
//
// The build writes dist-cli/build-stamp.json: every source file esbuild read with its mtime and
// size, the build's own inputs (package.json, tsconfig.json, node_modules/.package-lock.json,
// which npm rewrites on every install and so stands for the bundled packages), and the mtime of
// every source folder (a file added to or removed from one can change what an import resolves
// to). The build counts as fresh only while all of them are unchanged: an edit, a new file next
// to a source, `npm ci` or a deleted file sends the start to the sources.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

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
 * Runs a compiled CommonJS bundle with a V8 code cache next to it (`<file>.v8-cache`): a start
 * then skips compiling the 2 MB bundle, about a third of `kosmograph nodes`' CPU time. Node 20
 * has no compile cache of its own (module.enableCompileCache is Node 22), and v8-compile-cache
 * hooks require() globally; this is the few lines it would take, for one file. The cache is
 * written after the run (functions compiled lazily are in it too), atomically, when it was missing
 * or V8 refused it (another Node version); a folder we cannot write to only costs the cache.
 * @param {URL | string} file
 * @returns {{ exports: Record<string, unknown>, saveCache(): void, cache: 'used' | 'missing' | 'rejected' }}
 */
export function runCompiled(file) {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  const require = createRequire(path);
  const cachePath = `${path}.v8-cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    cachedData = undefined;
  }
  // CommonJS's own wrapper, on the first line so line numbers stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(path, 'utf8')}\n})`;
  // The bundle has no import() (scripts/build-cli.ts turns them into require), so it needs no
  // module loader of vm's, whose options are experimental.
  const script = new vm.Script(wrapped, { filename: path, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, path, dirname(path));
  const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  return {
    exports: module.exports,
    cache,
    saveCache() {
      if (cache === 'used') return;
      const temp = `${cachePath}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cachePath);
      } catch {
        rmSync(temp, { force: true });
      }
    },
  };
}

/**
 * Starts `entry`: the compiled build when fresh (with its code cache), else `sourceUrl` with tsx
 * registered first. `KOSMOGRAPH_DEBUG_START=1` says on stderr which one and why.
 * @param {string} entry
 * @param {URL} sourceUrl
 * @returns {Promise<{ exports: Record<string, unknown>, saveCache(): void }>}
 */
export async function startEntry(entry, sourceUrl) {
  const build = checkCompiledBuild(entry);
  const debug = process.env.KOSMOGRAPH_DEBUG_START === '1';
  if (build.fresh) {
    const started = runCompiled(build.file);
    if (debug)
      process.stderr.write(
        `kosmograph start: ${entry} compiled (${build.file}, code cache ${started.cache})\n`,
      );
    return started;
  }
  if (debug) process.stderr.write(`kosmograph start: ${entry} from sources via tsx (${build.reason})\n`);
  const { register } = await import('tsx/esm/api');
  register();
  return { exports: await import(sourceUrl.href), saveCache() {} };
}
