// bench/results.json: every benchmark script's rows under its own key ("headless", "peer", ...),
// so one script's run never drops another's last results.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../src/cli/atomic-write';

export const RESULTS_PATH = resolve(import.meta.dirname, 'results.json');

const resultsSchema = z.record(z.string(), z.unknown());

async function readResults(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON (${(error as Error).message}); fix or delete it`);
  }
  const parsed = resultsSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} must hold one object keyed by benchmark name`);
  return parsed.data;
}

/**
 * Merges `rows` into bench/results.json under `key`: the file is read if present, only `key` is
 * replaced, and the whole file is written atomically (a reader sees the old or the new file).
 * `rows` must be JSON-serialisable. `path` is for tests.
 */
export async function recordResults(key: string, rows: unknown, path: string = RESULTS_PATH): Promise<void> {
  if (key.length === 0) throw new Error('recordResults needs a non-empty key');
  await withLock(`${path}.lock`, async () => {
    const results = await readResults(path);
    results[key] = rows;
    const text = `${JSON.stringify(results, null, 2)}\n`;
    await writeFileAtomic(path, new TextEncoder().encode(text));
  });
}

/** A lock left by a killed process is taken over after this long. */
const STALE_LOCK_MS = 60_000;

/**
 * Runs `update` holding `lockPath` (created exclusively), so two benchmarks finishing at once
 * (`npm run bench` and `bench:peer`) cannot both read the old file and drop each other's key.
 * Written here: a dozen lines, where a lock package would be one more dependency for one file.
 */
async function withLock(lockPath: string, update: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 2 * STALE_LOCK_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lockPath).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(lockPath, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`${lockPath} is held by another benchmark; remove it if none runs`);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    await update();
  } finally {
    await rm(lockPath, { force: true });
  }
}
