/**
 * The browser's model store: verified model files in the origin-private file system (OPFS,
 * `navigator.storage.getDirectory()`), one file per sha256 under `kosmograph-models/files/`, and
 * the remembered records (URL validators, picked files' dates -> sha256) in
 * `kosmograph-models/index.json`. Downloads are streamed straight to disk while they are hashed
 * (`createWritable`, or a sync access handle where only that exists), written to a temporary
 * name and moved to their sha256 once complete, so a half-written file is never taken for a
 * verified one. Without OPFS (or when it refuses writes) the store is memory; when a file does
 * not fit the storage quota it is hashed but not kept, and read from its source again when a
 * session needs it.
 */

import { z } from 'zod';
import {
  type ModelFileStore,
  memoryModelStore,
  type StoredRecord,
  storedRecordSchema,
} from '../models/model-store';
import { sha256OfStream } from '../models/stream-sha256';

const ROOT = 'kosmograph-models';
const INDEX = 'index.json';
/** Temporary files older than this are left-overs of an interrupted download. */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;

interface Sink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** FileSystemFileHandle.move (Chromium, Firefox, Safari; not in every lib.dom). */
type Movable = FileSystemFileHandle & {
  move?: (parent: FileSystemDirectoryHandle, name: string) => Promise<void>;
};
/** A directory's names (async iteration is not in this project's lib settings). */
type Listable = FileSystemDirectoryHandle & { keys?: () => AsyncIterable<string> };

async function openSink(handle: FileSystemFileHandle): Promise<Sink> {
  if (typeof handle.createWritable === 'function') {
    const writable = await handle.createWritable();
    return {
      write: (chunk) => writable.write(chunk as Uint8Array<ArrayBuffer>),
      close: () => writable.close(),
      abort: () => writable.abort(),
    };
  }
  // Safari's workers: only sync access handles.
  const sync = await handle.createSyncAccessHandle();
  let at = 0;
  return {
    async write(chunk) {
      at += sync.write(chunk as Uint8Array<ArrayBuffer>, { at });
    },
    async close() {
      sync.flush();
      sync.close();
    },
    async abort() {
      sync.close();
    },
  };
}

async function fileHandle(
  dir: FileSystemDirectoryHandle,
  name: string,
): Promise<FileSystemFileHandle | undefined> {
  try {
    return await dir.getFileHandle(name);
  } catch {
    return undefined;
  }
}

async function writeText(dir: FileSystemDirectoryHandle, name: string, text: string): Promise<void> {
  const sink = await openSink(await dir.getFileHandle(name, { create: true }));
  try {
    await sink.write(new TextEncoder().encode(text));
    await sink.close();
  } catch (error) {
    await sink.abort().catch(() => undefined);
    throw error;
  }
}

const indexSchema = z.record(z.string(), storedRecordSchema);

/** Removes temporary files an interrupted download left (other workers' recent ones stay). */
async function sweep(files: Listable): Promise<void> {
  if (!files.keys) return;
  const now = Date.now();
  for await (const name of files.keys()) {
    const match = /^tmp-(\d+)-/.exec(name);
    if (match && now - Number(match[1]) > STALE_TMP_MS) await files.removeEntry(name).catch(() => undefined);
  }
}

/**
 * The OPFS model store, or undefined where OPFS cannot be used (no `navigator.storage`, a
 * non-secure context, or a file system that refuses writes).
 */
export async function openOpfsModelStore(
  storage: StorageManager | undefined = typeof navigator === 'undefined' ? undefined : navigator.storage,
): Promise<ModelFileStore | undefined> {
  if (!storage || typeof storage.getDirectory !== 'function') return undefined;
  let dir: FileSystemDirectoryHandle;
  let files: FileSystemDirectoryHandle;
  try {
    dir = await (await storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
    files = await dir.getDirectoryHandle('files', { create: true });
    // Writes must work (some private modes give a directory that refuses them).
    const probe = await files.getFileHandle('.probe', { create: true });
    const sink = await openSink(probe);
    await sink.close();
    await files.removeEntry('.probe');
  } catch {
    return undefined;
  }
  void sweep(files as Listable).catch(() => undefined);

  const memory = memoryModelStore(); // files that did not fit
  let records: Promise<Record<string, StoredRecord>> | undefined;
  let writing: Promise<void> = Promise.resolve();
  const loadRecords = () => {
    records ??= (async () => {
      try {
        const handle = await fileHandle(dir, INDEX);
        if (!handle) return {};
        const parsed = indexSchema.safeParse(JSON.parse(await (await handle.getFile()).text()));
        return parsed.success ? parsed.data : {};
      } catch {
        return {};
      }
    })();
    return records;
  };

  /** The verified file under `sha256`: moved from its temporary name, or copied where move is missing. */
  const commit = async (tmp: Movable, tmpName: string, sha256: string, size: number) => {
    const existing = await fileHandle(files, sha256);
    if (existing && (await existing.getFile()).size === size) {
      await files.removeEntry(tmpName).catch(() => undefined);
      return;
    }
    if (typeof tmp.move === 'function') {
      await tmp.move(files, sha256);
      return;
    }
    const sink = await openSink(await files.getFileHandle(sha256, { create: true }));
    try {
      await sha256OfStream((await tmp.getFile()).stream() as ReadableStream<Uint8Array>, {
        onChunk: (chunk) => sink.write(chunk),
      });
      await sink.close();
    } catch (error) {
      await sink.abort().catch(() => undefined);
      throw error;
    }
    await files.removeEntry(tmpName).catch(() => undefined);
  };

  return {
    kind: 'opfs',
    async put(body, options = {}) {
      const tmpName = `tmp-${Date.now()}-${crypto.randomUUID()}`;
      let tmp: FileSystemFileHandle;
      let sink: Sink;
      try {
        tmp = await files.getFileHandle(tmpName, { create: true });
        sink = await openSink(tmp);
      } catch {
        return memory.put(body, options);
      }
      let failed = false;
      let result: { sha256: string; size: number };
      try {
        result = await sha256OfStream(body, {
          ...options,
          onChunk: async (chunk) => {
            if (failed) return;
            try {
              await sink.write(chunk);
            } catch {
              failed = true; // e.g. over the quota: keep hashing; the file is read from its source later
              await sink.abort().catch(() => undefined);
            }
          },
        });
      } catch (error) {
        if (!failed) await sink.abort().catch(() => undefined);
        await files.removeEntry(tmpName).catch(() => undefined);
        throw error;
      }
      if (failed) {
        await files.removeEntry(tmpName).catch(() => undefined);
        return result;
      }
      try {
        await sink.close();
        await commit(tmp as Movable, tmpName, result.sha256, result.size);
      } catch {
        await files.removeEntry(tmpName).catch(() => undefined);
      }
      return result;
    },
    async has(sha256, size) {
      if (await memory.has(sha256, size)) return true;
      const handle = await fileHandle(files, sha256);
      return handle !== undefined && (await handle.getFile()).size === size;
    },
    async read(sha256) {
      const kept = await memory.read(sha256);
      if (kept) return kept;
      const handle = await fileHandle(files, sha256);
      if (!handle) return undefined;
      const file = await handle.getFile();
      // One copy: ONNX Runtime needs the model's bytes (and its external data) as arrays.
      return new Uint8Array(await file.arrayBuffer());
    },
    async recall(key) {
      return (await loadRecords())[key];
    },
    async remember(key, record) {
      const all = await loadRecords();
      all[key] = record;
      writing = writing.then(() => writeText(dir, INDEX, JSON.stringify(all))).catch(() => undefined); // a failed write only costs rehashing next time
      await writing;
    },
  };
}

/** The browser worker's model store: OPFS where it works, else memory. */
export async function browserModelStore(): Promise<ModelFileStore> {
  return (await openOpfsModelStore()) ?? memoryModelStore();
}
