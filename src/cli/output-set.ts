/**
 * All-or-nothing outputs of `kosmograph run`: the files a job writes are named and checked for
 * collisions before the job runs, written into a hidden temporary folder inside `--out` (same
 * file system, so the final step is renames), and moved in as a set only when the whole job
 * succeeded. The moves run synchronously under a lock file, so neither a signal handler nor
 * another run on the same `--out` can come between them; a failed move puts back what was
 * there. A failure, a signal or ENOSPC leaves nothing but, at worst (SIGKILL), a hidden
 * `.kosmograph-tmp-<pid>-*` folder that the next run removes. Our own code rather than a
 * library: the set semantics (rename many files as one, roll back) are not what atomic-write
 * packages offer, which write one file each.
 */
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CliError, EXIT } from './cli-error';

const TEMP_PREFIX = '.kosmograph-tmp-';
const LOCK_FILE = '.kosmograph.lock';

/** A file the job will write: which node, and its final name in `--out`. */
export interface PlannedOutput {
  readonly nodeId: string;
  readonly fileName: string;
}

/** `name.ext` as `name-suffix.ext` (or `name-suffix` without an extension). */
export function withSuffix(fileName: string, suffix: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? `${fileName.slice(0, dot)}-${suffix}${fileName.slice(dot)}` : `${fileName}-${suffix}`;
}

/**
 * Final names for the files of `wanted` (node id and the file name the node asks for): a name
 * two nodes ask for gets `-<node id>` added to each; a name that still collides (also when
 * only letter case differs, for case-insensitive file systems) is refused naming the nodes.
 */
export function finalOutputNames(wanted: readonly PlannedOutput[]): PlannedOutput[] {
  const counts = new Map<string, number>();
  for (const { fileName } of wanted) counts.set(fileName, (counts.get(fileName) ?? 0) + 1);
  const named = wanted.map(({ nodeId, fileName }) => ({
    nodeId,
    fileName: counts.get(fileName)! > 1 ? withSuffix(fileName, nodeId) : fileName,
  }));
  const owners = new Map<string, string[]>();
  for (const { nodeId, fileName } of named) {
    const key = fileName.toLowerCase();
    owners.set(key, [...(owners.get(key) ?? []), nodeId]);
  }
  const clashes = [...owners].filter(([, nodes]) => nodes.length > 1);
  if (clashes.length > 0) {
    throw new CliError(
      EXIT.invalid,
      clashes.map(
        ([name, nodes]) =>
          `nodes ${nodes.map((n) => `"${n}"`).join(' and ')} would all write ${name}; give them different file names`,
      ),
    );
  }
  return named;
}

const processAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The pid in a temp folder's or lock's name/content, if any. */
const pidOf = (text: string): number => Number.parseInt(text, 10);

export interface OutputSet {
  /** The `--out` folder (absolute). */
  readonly dir: string;
  /** The hidden folder the files are written into first. */
  readonly temp: string;
  /** Writes the files into the temp folder, then moves them all into `dir` at once. */
  publish(files: readonly { readonly fileName: string; readonly bytes: Uint8Array }[]): Promise<string[]>;
  /** Removes the temp folder (and `dir` if this run made it and it is empty). Synchronous: safe in exit paths. */
  discard(): void;
}

export interface OutputSetOptions {
  /** How long to wait for another run's lock before refusing (ms). */
  readonly lockWaitMs?: number;
}

class NotAFolder extends Error {
  constructor(readonly path: string) {
    super(`${path} is not a folder`);
  }
}

/** Folders from `dir` up that do not exist yet (the first is `dir`). */
async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const info = await stat(at).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (info) {
      if (!info.isDirectory()) throw new NotAFolder(at);
      return missing;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) return missing;
    at = parent;
  }
}

/** Removes hidden temp folders of runs that are gone (killed with SIGKILL, power loss). */
async function removeStaleTemps(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    if (processAlive(pidOf(name.slice(TEMP_PREFIX.length)))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

const outError = (outDir: string, reason: string) =>
  new CliError(EXIT.invalid, [`--out ${outDir}: ${reason}`]);

/**
 * Checks `--out` before the job runs (a folder, existing or creatable, writable), removes stale
 * temp folders, and makes this run's hidden temp folder in it.
 */
export async function prepareOutputSet(outDir: string, options: OutputSetOptions = {}): Promise<OutputSet> {
  const dir = resolve(outDir);
  let created: string[];
  try {
    created = await missingFolders(dir);
  } catch (error) {
    const blocker = error instanceof NotAFolder ? error.path : undefined;
    throw outError(
      outDir,
      blocker === dir
        ? 'is a file, not a folder'
        : blocker
          ? `${blocker} is a file, so the folder cannot be made`
          : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  try {
    // One level at a time, top down (a recursive mkdir loops on some special file systems).
    for (const folder of [...created].reverse()) await mkdir(folder);
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    for (const folder of created) rmdirQuiet(folder);
    throw outError(outDir, `cannot write there (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  await removeStaleTemps(dir);
  let temp: string;
  try {
    temp = await mkdtemp(join(dir, `${TEMP_PREFIX}${process.pid}-`));
  } catch (error) {
    for (const folder of created) rmdirQuiet(folder);
    throw outError(outDir, `cannot write there (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const lockPath = join(dir, LOCK_FILE);
  const discard = () => {
    rmSync(temp, { recursive: true, force: true });
    for (const folder of created) rmdirQuiet(folder);
  };
  return {
    dir,
    temp,
    discard,
    async publish(files) {
      if (files.length === 0) {
        discard(); // nothing to write (previews only): leave no folder behind either
        return [];
      }
      const staged = files.map((file, i) => ({
        ...file,
        staged: join(temp, `${i}.new`),
        old: join(temp, `${i}.old`),
      }));
      for (const file of staged) writeDurably(file.staged, file.bytes);
      await acquireLock(lockPath, options.lockWaitMs ?? 60_000, outDir);
      try {
        moveInAsSet(staged.map((f) => ({ from: f.staged, to: join(dir, f.fileName), old: f.old })));
      } finally {
        unlinkQuiet(lockPath);
      }
      rmSync(temp, { recursive: true, force: true });
      created = []; // the folder holds the outputs now
      return staged.map((f) => join(dir, f.fileName));
    },
  };
}

function rmdirQuiet(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty or already gone: leave it
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Writes and fsyncs a file, so the rename that publishes it never publishes a hole. */
function writeDurably(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'wx');
  try {
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Renames every `from` onto its `to`, moving a file already at `to` aside first; on any failure
 * the moves done so far are undone (the new files back out, the old ones back in).
 */
export function moveInAsSet(moves: readonly { from: string; to: string; old: string }[]): void {
  const done: { from: string; to: string; old: string; hadOld: boolean }[] = [];
  try {
    for (const move of moves) {
      const hadOld = existsSync(move.to);
      if (hadOld) renameSync(move.to, move.old);
      try {
        renameSync(move.from, move.to);
      } catch (error) {
        if (hadOld) renameSync(move.old, move.to);
        throw error;
      }
      done.push({ ...move, hadOld });
    }
  } catch (error) {
    for (const move of done.reverse()) {
      try {
        renameSync(move.to, move.from);
        if (move.hadOld) renameSync(move.old, move.to);
      } catch {
        // best effort: the error below is what the user sees
      }
    }
    throw new CliError(EXIT.runtimeFailure, [
      `cannot move the outputs into place (${(error as NodeJS.ErrnoException).code ?? String(error)}); none were written`,
    ]);
  }
}

/** Takes `lockPath` (O_EXCL, holding our pid), waiting for a live holder, taking over a dead one's. */
export async function acquireLock(lockPath: string, waitMs: number, shown: string): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder = Number.NaN;
    try {
      holder = pidOf(readFileSync(lockPath, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (!processAlive(holder)) {
      unlinkQuiet(lockPath);
      continue;
    }
    if (Date.now() > deadline)
      throw new CliError(EXIT.runtimeFailure, [
        `another kosmograph run (pid ${holder}) is writing into ${shown}; no files were written`,
      ]);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Names of hidden temp folders in `dir` (for tests and diagnostics). */
export function tempFoldersIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return [];
  }
}
