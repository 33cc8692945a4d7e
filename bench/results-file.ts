// bench/results.json: every benchmark script's rows under its own key ("headless", "peer", ...),
// so one script's run never drops another's last results.
import { readFile } from 'node:fs/promises';
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
  const results = await readResults(path);
  results[key] = rows;
  const text = `${JSON.stringify(results, null, 2)}\n`;
  await writeFileAtomic(path, new TextEncoder().encode(text));
}
