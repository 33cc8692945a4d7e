import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../cli/atomic-write';

/**
 * Where job outputs live, content-addressed by sha256. The server and its workers share one
 * (a folder today); an object store can implement the same two calls.
 */
export interface OutputStore {
  /** Stores `bytes` (idempotent: the same bytes land at the same address) and returns their sha256. */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes stored under `sha256`, or undefined when there are none. */
  get(sha256: string): Promise<Uint8Array | undefined>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * A folder store: `<dir>/ab/abcdef...`, each file written to a temporary sibling and renamed,
 * so a reader (or a worker killed mid-write) never leaves or sees a partial output.
 */
export function createFolderOutputStore(dir: string): OutputStore {
  const pathOf = (sha256: string) => join(dir, sha256.slice(0, 2), sha256);
  return {
    async put(bytes) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await writeFileAtomic(pathOf(sha256), bytes);
      return sha256;
    },
    async get(sha256) {
      if (!SHA256.test(sha256)) return undefined;
      try {
        return new Uint8Array(await readFile(pathOf(sha256)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}
