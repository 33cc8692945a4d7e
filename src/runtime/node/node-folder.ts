import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { FolderReader } from '../models/checkpoint/folder-reader';
import type { FileHashCache } from './file-hash-cache';
import { readFileRange } from './read-range';

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

/** A model folder on disk: listed once, hashed by streaming (remembered by `hashes`), opened by path. */
export function nodeFolderReader(root: string, hashes: FileHashCache): FolderReader {
  let listing: Promise<string[]> | undefined;
  const abs = (path: string) => join(root, ...path.split('/'));
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
      const info = await stat(abs(path));
      if (info.size > MAX_TEXT_BYTES)
        throw new Error(`${abs(path)} is ${info.size} bytes, too large for a config file`);
      return readFile(abs(path), 'utf8');
    },
    sha256: (path, signal) => hashes.sha256(abs(path), signal),
    async readBytes(path) {
      return new Uint8Array(await readFile(abs(path)));
    },
    readRange: (path, offset, length) => readFileRange(abs(path), offset, length),
    async size(path) {
      return (await stat(abs(path))).size;
    },
    localPath: abs,
  };
}
