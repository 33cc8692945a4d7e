import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FolderReader } from '../models/checkpoint/folder-reader';
import type { FileHashCache } from './file-hash-cache';
import { type FilePolicy, trustedFilePolicy } from './file-policy';
import { VerifiedFiles } from './verified-files';

const MAX_FILES = 10_000;
const MAX_DEPTH = 4;
/** Config and tokenizer files are read whole; model files never are. */
const MAX_TEXT_BYTES = 64 * 1024 * 1024;

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(path, depth + 1);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        out.push(relative(root, path).split(sep).join('/'));
        if (out.length > MAX_FILES)
          throw new Error(`${root} holds more than ${MAX_FILES} files: not a model folder`);
      }
    }
  };
  await walk(root, 0);
  return out;
}

/** How a folder reader reads: under which policy, recording the files it verifies where. */
export interface FolderReadOptions {
  readonly policy?: FilePolicy;
  readonly verified?: VerifiedFiles;
}

/**
 * A model folder on disk: listed once, hashed by streaming (remembered by `hashes`), opened by
 * path. Every file is read under `policy` (regular files inside the allowed folders, symlinks
 * resolved and judged again); a file once hashed is read back only if it is still the file
 * that was hashed (`verified`).
 */
export function nodeFolderReader(
  root: string,
  hashes: FileHashCache,
  { policy = trustedFilePolicy(), verified = new VerifiedFiles() }: FolderReadOptions = {},
): FolderReader {
  let listing: Promise<string[]> | undefined;
  const abs = (path: string) => join(root, ...path.split('/'));
  const readWhole = async (path: string, maxBytes?: number) => {
    const file = abs(path);
    if (verified.has(file)) return verified.read(file);
    const opened = await policy.openFile(file, maxBytes);
    await opened.handle.close();
    return policy.readFile(file);
  };
  return {
    label: root,
    list: () => {
      listing ??= listFiles(root);
      return listing;
    },
    async exists(path) {
      return (await stat(abs(path)).catch(() => undefined))?.isFile() ?? false;
    },
    async readText(path) {
      return new TextDecoder().decode(await readWhole(path, MAX_TEXT_BYTES));
    },
    sha256: (path, signal) => hashes.sha256Verified(abs(path), policy, verified, signal),
    readBytes: (path) => readWhole(path),
    async readRange(path, offset, length) {
      const file = abs(path);
      if (!verified.has(file)) await hashes.sha256Verified(file, policy, verified);
      return verified.read(file, offset, length);
    },
    async size(path) {
      return (await stat(abs(path))).size;
    },
    localPath: abs,
  };
}
