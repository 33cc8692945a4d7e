// Types of compiled-build.mjs (plain JavaScript: it runs before TypeScript can be compiled).
export declare const STAMP_VERSION: number;
export declare const STAMP_FILE: string;
export declare const ROOT_DIR: string;
export declare const DIST_DIR: string;

/** One stamp of `npm run build:cli`: paths relative to the repository root. */
export interface BuildStamp {
  readonly version: number;
  /** Entry name ('cli', 'engine-worker') -> file in the dist folder. */
  readonly entries: Readonly<Record<string, string>>;
  /** [path, mtimeMs, size] of every file the build read. */
  readonly files: readonly (readonly [string, number, number])[];
  /** [path, mtimeMs] of every source folder holding one of them. */
  readonly dirs: readonly (readonly [string, number])[];
}

export type BuildCheck =
  | { readonly fresh: true; readonly file: string }
  | { readonly fresh: false; readonly reason: string };

export declare function checkCompiledBuild(
  entry: string,
  where?: { readonly distDir?: string; readonly rootDir?: string },
): BuildCheck;

/** A module started from the compiled build or the sources; `saveCache` writes its V8 code cache if it needs one. */
export interface StartedEntry {
  readonly exports: Record<string, unknown>;
  saveCache(): void;
}

export declare function runCompiled(
  file: URL | string,
): StartedEntry & { readonly cache: 'used' | 'missing' | 'rejected' };

export declare function startEntry(entry: string, sourceUrl: URL): Promise<StartedEntry>;
