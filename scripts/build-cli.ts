/**
 * `npm run build:cli`: compiles the `kosmograph` CLI and its Node engine worker into dist-cli/
 * (git-ignored) with esbuild, so a start loads JavaScript instead of compiling TypeScript through
 * tsx. `npm ci` runs it (`prepare`). bin/compiled-build.mjs runs the build only while every file it
 * was made from is unchanged (dist-cli/build-stamp.json); otherwise the sources run, so editing
 * the sources never runs stale code.
 *
 *   tsx scripts/build-cli.ts [--out DIR] [--root DIR] [--prepare]
 *
 * `--prepare` (npm's prepare hook): a failed build warns and exits 0, because the CLI still runs
 * from the sources; `npm install` must not fail on it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Loader, Plugin } from 'esbuild';
import { type BuildStamp, DIST_DIR, ROOT_DIR, STAMP_FILE, STAMP_VERSION } from '../bin/compiled-build.mjs';

/** Entry name -> source, relative to the repository root; the output is `<name>.cjs`. */
export const CLI_ENTRIES = {
  cli: 'src/cli/main.ts',
  'engine-worker': 'workers/engine.node-worker.ts',
} as const;

/**
 * Packages left to Node's resolution at run time: native code (onnxruntime-node), files read
 * relative to the package (onnxruntime-web's wasm, bullmq's Lua scripts), one shared instance
 * (onnxruntime-common holds onnxruntime-node's backend registry), and build-time tools.
 */
export const EXTERNAL_PACKAGES = [
  'onnxruntime-node',
  'onnxruntime-web',
  'onnxruntime-common',
  'bullmq',
  'ioredis',
  'tsx',
  'esbuild',
] as const;

/** Files that change what the build makes without being bundled. */
const BUILD_INPUTS = [
  'package.json',
  'package-lock.json',
  'node_modules/.package-lock.json', // rewritten by every npm install / npm ci
  'tsconfig.json',
  'scripts/build-cli.ts',
];

const LOADERS: Readonly<Record<string, Loader>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

const IMPORT_META = /\bimport\.meta\.(url|dirname|filename)\b/;
const IMPORT_META_ALL = new RegExp(IMPORT_META.source, 'g');

/**
 * Modules find files next to themselves with `import.meta.url` / `.dirname` (the reference pack's
 * folder, the worker's entry); bundled, those would name the bundle. Rewrites each use to the
 * module's own source location, relative to the bundle, so the dist folder keeps working when
 * the checkout moves. Our own plugin: esbuild has no per-file define, and the ones on npm
 * (import-meta-url plugins for assets) solve another problem. Records every file's stat before
 * reading it, so an edit during the build makes the stamp stale, never the stamp newer than the
 * bytes bundled.
 */
function sourceLocationPlugin(outDir: string, seen: Map<string, [number, number]>): Plugin {
  return {
    name: 'kosmograph:source-location',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        const stat = statSync(args.path);
        seen.set(args.path, [stat.mtimeMs, stat.size]);
        const text = readFileSync(args.path, 'utf8');
        if (!IMPORT_META.test(text)) return undefined;
        const rel = JSON.stringify(relative(outDir, args.path).split(sep).join('/'));
        const contents = text.replace(IMPORT_META_ALL, (_match, what: string) =>
          what === 'url'
            ? `__kosmographSourceUrl(${rel})`
            : what === 'filename'
              ? `__kosmographSourcePath(${rel})`
              : `__kosmographDirname(__kosmographSourcePath(${rel}))`,
        );
        const loader = LOADERS[extname(args.path)] ?? 'js';
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * Prepended to each bundle (CommonJS): where a source file sits, from the bundle's folder, and
 * the worker of this build (its starter, which runs `engine-worker.cjs` with its code cache).
 */
const BANNER = [
  "const __kosmographPath = require('node:path');",
  "const __kosmographUrl = require('node:url');",
  'const __kosmographSourcePath = (rel) => __kosmographPath.join(__dirname, rel);',
  'const __kosmographSourceUrl = (rel) => __kosmographUrl.pathToFileURL(__kosmographSourcePath(rel)).href;',
  'const __kosmographDirname = __kosmographPath.dirname;',
  "const __kosmographCompiledWorker = __kosmographUrl.pathToFileURL(__kosmographPath.join(__dirname, 'engine-worker.mjs'));",
].join('\n');

/** The worker's entry file (Node starts workers from .mjs/.js files): runs the bundle with its code cache. */
function workerStarter(outDir: string, rootDir: string): string {
  const loader = relative(outDir, join(rootDir, 'bin/compiled-build.mjs')).split(sep).join('/');
  return [
    '// Written by scripts/build-cli.ts: the Node engine worker of this build, with its V8 code cache.',
    `import { runCompiled } from ${JSON.stringify(loader)};`,
    '',
    "runCompiled(new URL('./engine-worker.cjs', import.meta.url)).saveCache();",
    '',
  ].join('\n');
}

export interface CliBuildResult {
  readonly outDir: string;
  readonly files: number;
  readonly ms: number;
}

/** Builds the CLI and worker bundles and their stamp into `outDir`, replacing it atomically. */
export async function buildCli(options: { outDir?: string; rootDir?: string } = {}): Promise<CliBuildResult> {
  const started = performance.now();
  const rootDir = resolve(options.rootDir ?? ROOT_DIR);
  const outDir = resolve(options.outDir ?? DIST_DIR);
  // A sibling, so relative paths from the bundles to the sources are the final ones.
  const tempDir = `${outDir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const { build } = await import('esbuild');
  const seen = new Map<string, [number, number]>();
  try {
    const result = await build({
      absWorkingDir: rootDir,
      entryPoints: Object.fromEntries(
        Object.entries(CLI_ENTRIES).map(([name, path]) => [name, join(rootDir, path)]),
      ),
      outdir: tempDir,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      platform: 'node',
      // CommonJS, so a V8 code cache can skip compiling the bundle (bin/compiled-build.mjs), and
      // modules imported dynamically (the server commands and BullMQ) load only when used.
      format: 'cjs',
      // import() becomes require() (external packages included): a vm.Script with a code cache
      // has no module loader for import(), and the lazy loading stays.
      supported: { 'dynamic-import': false },
      target: 'node20',
      sourcemap: 'linked', // for `node --enable-source-maps`; not read otherwise
      metafile: true,
      logLevel: 'silent',
      external: [...EXTERNAL_PACKAGES],
      define: { __KOSMOGRAPH_COMPILED_WORKER__: '__kosmographCompiledWorker' },
      banner: { js: BANNER },
      plugins: [sourceLocationPlugin(outDir, seen)],
    });
    const files: [string, number, number][] = [];
    const dirs = new Set<string>();
    const record = (absolute: string, stat: readonly [number, number]) => {
      const path = relative(rootDir, absolute).split(sep).join('/');
      // Bundled packages are covered by node_modules/.package-lock.json, which npm rewrites on
      // every install: half as many files to stat at each start (hand edits inside node_modules
      // need `npm run build:cli`).
      if (path.startsWith('node_modules/') || path.includes('/node_modules/')) return;
      files.push([path, stat[0], stat[1]]);
      if (!path.startsWith('../')) dirs.add(dirname(path));
    };
    for (const input of Object.keys(result.metafile.inputs)) {
      const absolute = isAbsolute(input) ? input : join(rootDir, input);
      const stat = seen.get(absolute) ?? statOrUndefined(absolute);
      if (stat) record(absolute, stat);
    }
    for (const path of BUILD_INPUTS) {
      const stat = statOrUndefined(join(rootDir, path));
      if (stat) files.push([path, stat[0], stat[1]]);
    }
    const stamp: BuildStamp = {
      version: STAMP_VERSION,
      entries: Object.fromEntries(Object.keys(CLI_ENTRIES).map((name) => [name, `${name}.cjs`])),
      files,
      dirs: [...dirs].sort().map((path) => [path, statSync(join(rootDir, path)).mtimeMs] as const),
    };
    await writeFile(join(tempDir, 'engine-worker.mjs'), workerStarter(outDir, rootDir));
    await writeFile(join(tempDir, STAMP_FILE), `${JSON.stringify(stamp)}\n`);
    await swapInto(tempDir, outDir);
    return { outDir, files: files.length, ms: performance.now() - started };
  } catch (error) {
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

function statOrUndefined(path: string): [number, number] | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat?.isFile() ? [stat.mtimeMs, stat.size] : undefined;
}

/** Replaces `outDir` with `tempDir`; a start in between finds no build and runs the sources. */
async function swapInto(tempDir: string, outDir: string): Promise<void> {
  await mkdir(dirname(outDir), { recursive: true });
  const old = `${tempDir}.old`;
  if (existsSync(outDir)) await rename(outDir, old);
  await rename(tempDir, outDir);
  await rm(old, { recursive: true, force: true });
}

/** The command line above; returns the exit code. `--root` builds another checkout (tests). */
export async function buildCliCommand(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      out: { type: 'string' },
      root: { type: 'string' },
      prepare: { type: 'boolean', default: false },
    },
    strict: true,
  });
  try {
    const result = await buildCli({
      ...(values.out ? { outDir: resolve(values.out) } : {}),
      ...(values.root ? { rootDir: resolve(values.root) } : {}),
    });
    console.log(
      `kosmograph: compiled CLI written to ${relative(process.cwd(), result.outDir) || '.'} (${result.files} files, ${Math.round(result.ms)} ms)`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!values.prepare) {
      console.error(`kosmograph: build:cli failed: ${message}`);
      return 1;
    }
    console.warn(
      `kosmograph: the compiled CLI was not built (${message}); the CLI runs from the sources (slower start)`,
    );
    return 0;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await buildCliCommand(process.argv.slice(2));
}
