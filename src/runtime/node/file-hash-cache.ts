/**
 * Streamed sha256 of files on disk, remembered by real path, size, mtime and inode (a file
 * replaced by another is rehashed, even with its old size and mtime), so that a second
 * start does not rehash gigabytes of weights. Files are opened through a `FilePolicy` (regular
 * files inside the allowed folders) and hashed from that descriptor; the identity hashed is
 * recorded in `VerifiedFiles`, which later reads and session loads are compared with. The memory is one JSON file (default
 * `~/.cache/kosmograph/sha256.json`, or `$KOSMOGRAPH_CACHE_DIR/sha256.json`), written by
 * write-to-temp and rename; a missing or unreadable cache file only means rehashing.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { type FilePolicy, trustedFilePolicy } from './file-policy';
import { FileChangedError, identityOf, sameIdentity, VerifiedFiles } from './verified-files';

const entrySchema = z.object({
  size: z.number(),
  mtimeMs: z.number(),
  ino: z.number().optional(),
  ctimeMs: z.number().optional(),
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
  /**
   * The file's sha256, from memory when its path, size, mtime and inode are unchanged (not ctime:
   * the hard links a LoRA merge makes change it, and a rehash of a U-Net per run is too costly).
   */
  sha256(path: string, signal?: AbortSignal): Promise<string>;
  /**
   * The sha256 of the file `path` opens under `policy`, hashed from that descriptor, with its
   * identity recorded in `verified` under `path` (a file changing while hashed is refused).
   */
  sha256Verified(
    path: string,
    policy: FilePolicy,
    verified: VerifiedFiles,
    signal?: AbortSignal,
  ): Promise<string>;
  /** How many files were actually hashed (not remembered) by this cache object. */
  readonly hashed: number;
}

export function createFileHashCache(file: string = defaultHashCacheFile()): FileHashCache {
  let loaded: Promise<Record<string, z.infer<typeof entrySchema>>> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let hashed = 0;
  const trusted = trustedFilePolicy();
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
    sha256(path, signal) {
      return this.sha256Verified(path, trusted, new VerifiedFiles(), signal);
    },
    async sha256Verified(path, policy, verified, signal) {
      const opened = await policy.openFile(path, Number.POSITIVE_INFINITY);
      try {
        const identity = identityOf(opened.stats);
        const entries = await load();
        const known = entries[opened.realPath];
        let sha256: string;
        if (
          known &&
          known.size === identity.size &&
          known.mtimeMs === identity.mtimeMs &&
          known.ino === identity.ino
        ) {
          sha256 = known.sha256;
        } else {
          const hash = createHash('sha256');
          const stream = createReadStream('', {
            fd: opened.handle.fd,
            autoClose: false,
            start: 0,
            highWaterMark: 4 * 1024 * 1024,
            ...(signal ? { signal } : {}),
          });
          for await (const chunk of stream) hash.update(chunk as Buffer);
          if (!sameIdentity(identity, identityOf(await opened.handle.stat())))
            throw new FileChangedError(path);
          sha256 = hash.digest('hex');
          hashed += 1;
          entries[opened.realPath] = { ...identity, sha256 };
          await save(entries);
        }
        verified.record(path, identity);
        return sha256;
      } finally {
        await opened.handle.close();
      }
    },
  };
}
