/**
 * Load what was verified: model files are sha256-checked once, then onnxruntime-node opens them
 * by path (a multi-GiB model is never held in JS memory). To close the gap between the check and
 * the load, each checked file's identity (device, inode, size and mtime, from `fstat` of
 * the descriptor that was hashed) is recorded here; every later read compares the identity of
 * what it opened, and a session created by path is confirmed before and after ONNX Runtime
 * read it. A file replaced (new inode) or written in place (mtime changes) fails naming the
 * file. Reads of bytes go through the descriptor they were compared on.
 */
import type { Stats } from 'node:fs';
import { link, open, stat } from 'node:fs/promises';
import { isInside } from './file-policy-rules';

export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

export const identityOf = (stats: Stats): FileIdentity => ({
  dev: stats.dev,
  ino: stats.ino,
  size: stats.size,
  mtimeMs: stats.mtimeMs,
  ctimeMs: stats.ctimeMs,
});

/**
 * The same file, unchanged: device, inode, size and mtime. ctime is recorded but not compared: a
 * hard link to the file (the scratch folder a LoRA merge gives ONNX Runtime, in this or another
 * kosmograph process) changes it without changing a byte. An in-place write that also sets mtime
 * back is therefore not caught (see docs/decisions.md).
 */
export const sameIdentity = (a: FileIdentity, b: FileIdentity): boolean =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** A verified file that is no longer the file that was verified. */
export class FileChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed after its sha256 was checked; it is not used (run again to check it anew)`);
    this.name = 'FileChangedError';
  }
}

/** The identities of the files checked by one host, by the path they are opened with. */
export class VerifiedFiles {
  readonly #byPath = new Map<string, FileIdentity>();

  record(path: string, identity: FileIdentity): void {
    this.#byPath.set(path, identity);
  }

  has(path: string): boolean {
    return this.#byPath.has(path);
  }

  /** Throws a FileChangedError when `path` (followed through symlinks) is not the file verified. */
  async confirm(path: string): Promise<void> {
    const known = this.#byPath.get(path);
    if (!known) return;
    const now = await stat(path).catch(() => undefined);
    if (!now || !sameIdentity(known, identityOf(now))) throw new FileChangedError(path);
  }

  /**
   * Hard-links a verified file at `dest` (a scratch folder ONNX Runtime reads a rewritten model's
   * external data from), confirmed before and after, and records `dest` as verified too, so the
   * session made from the scratch folder is confirmed like one made from the model's own.
   */
  async linkVerified(path: string, dest: string): Promise<void> {
    await this.confirm(path);
    const known = this.#byPath.get(path);
    await link(path, dest);
    const now = identityOf(await stat(path));
    if (known && !sameIdentity(known, now)) throw new FileChangedError(path);
    if (known) this.#byPath.set(path, now);
    this.#byPath.set(dest, now);
  }

  /** Confirms every verified file inside `folder` (a model and its external data). */
  async confirmFolder(folder: string): Promise<void> {
    const inside = [...this.#byPath.keys()].filter((path) => isInside(path, folder));
    await Promise.all(inside.map((path) => this.confirm(path)));
  }

  /**
   * `length` bytes at `offset` (default: the whole file) of a verified file, read through one
   * descriptor whose identity is compared before and after the read.
   */
  async read(path: string, offset = 0, length?: number): Promise<Uint8Array> {
    const known = this.#byPath.get(path);
    if (!known) throw new Error(`${path} was not verified`);
    const handle = await open(path, 'r');
    try {
      if (!sameIdentity(known, identityOf(await handle.stat()))) throw new FileChangedError(path);
      const size = length ?? known.size - offset;
      const out = new Uint8Array(size);
      let done = 0;
      while (done < size) {
        const { bytesRead } = await handle.read(out, done, size - done, offset + done);
        if (bytesRead === 0) throw new Error(`${path} ends before byte ${offset + size}`);
        done += bytesRead;
      }
      if (!sameIdentity(known, identityOf(await handle.stat()))) throw new FileChangedError(path);
      return out;
    } finally {
      await handle.close();
    }
  }
}
