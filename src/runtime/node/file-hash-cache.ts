/**
 * Streamed sha256 of files on disk, remembered by real path, size and mtime, so that a second
 * start does not rehash gigabytes of weights. The memory is one JSON file (default
 * `~/.cache/kosmograph/sha256.json`, or `$KOSMOGRAPH_CACHE_DIR/sha256.json`), written by
 * write-to-temp and rename; a missing or unreadable cache file only means rehashing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const entrySchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
const cacheSchema = z.record(z.string(), entrySchema);

export function defaultHashCacheFile(): string {
  const dir = process.env.KOSMOGRAPH_CACHE_DIR ?? join(homedir(), '.cache', 'kosmograph');
  return join(dir, 'sha256.json');
}

/** sha256 of a file, read in chunks (never whole in memory). */
export async function streamSha256(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 4 * 1024 * 1024, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface FileHashCache {
  /** The file's sha256, from memory when its path, size and mtime are unchanged. */
  sha256(path: string, signal?: AbortSignal): Promise<string>;
  /** How many files were actually hashed (not remembered) by this cache object. */
  readonly hashed: number;
}

export function createFileHashCache(file: string = defaultHashCacheFile()): FileHashCache {
  let loaded: Promise<Record<string, z.infer<typeof entrySchema>>> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let hashed = 0;
  const load = () => {
    loaded ??= readFile(file, 'utf8').then(
      (text) => {
        const parsed = cacheSchema.safeParse(JSON.parse(text));
        return parsed.success ? parsed.data : {};
      },
      () => ({}),
    );
    return loaded;
  };
  const save = (entries: Record<string, unknown>) => {
    writing = writing.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, JSON.stringify(entries));
        await rename(tmp, file);
      } catch {
        // A read-only home only costs rehashing next time.
      }
    });
    return writing;
  };
  return {
    get hashed() {
      return hashed;
    },
    async sha256(path, signal) {
      const real = await realpath(path);
      const info = await stat(real);
      if (!info.isFile()) throw new Error(`${path} is not a regular file`);
      const entries = await load();
      const known = entries[real];
      if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.sha256;
      const sha256 = await streamSha256(real, signal);
      hashed += 1;
      entries[real] = { size: info.size, mtimeMs: info.mtimeMs, sha256 };
      await save(entries);
      return sha256;
    },
  };
}
