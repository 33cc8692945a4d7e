/**
 * Verified model files kept by content (sha256), and small remembered facts about sources (a
 * URL's validators -> its sha256, a picked file's size and date -> its sha256), so that opening
 * the same model a second time neither downloads nor rehashes it. In the browser the store is the
 * origin-private file system (src/runtime/browser/opfs-store.ts); elsewhere, and where OPFS is
 * unavailable, memory (`memoryModelStore`).
 */
import { z } from 'zod';
import { type BytesListener, sha256OfStream } from './stream-sha256';

/** What is remembered about a file of a source, keyed by a string the reader chooses. */
export const storedRecordSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** HTTP validators (URL sources): a changed ETag or Last-Modified means a changed file. */
  etag: z.string().optional(),
  lastModified: z.string().optional(),
});
export type StoredRecord = z.infer<typeof storedRecordSchema>;

export interface PutOptions {
  readonly signal?: AbortSignal;
  readonly onBytes?: BytesListener;
}

export interface ModelFileStore {
  /** `opfs` where files persist across page loads; `memory` for this engine's life only. */
  readonly kind: 'opfs' | 'memory';
  /** Streams `body` in while hashing it; the file is then kept under its sha256. */
  put(body: ReadableStream<Uint8Array>, options?: PutOptions): Promise<{ sha256: string; size: number }>;
  /** Whether a file with this sha256 and size is kept. */
  has(sha256: string, size: number): Promise<boolean>;
  /** A kept file's bytes (for a session), or undefined. */
  read(sha256: string): Promise<Uint8Array | undefined>;
  recall(key: string): Promise<StoredRecord | undefined>;
  remember(key: string, record: StoredRecord): Promise<void>;
}

/** Concatenates chunks into one array. */
export function concatChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** A store in memory: files and records live as long as the store object. */
export function memoryModelStore(): ModelFileStore & { readonly files: ReadonlyMap<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  const records = new Map<string, StoredRecord>();
  return {
    kind: 'memory',
    files,
    async put(body, options = {}) {
      const chunks: Uint8Array[] = [];
      const result = await sha256OfStream(body, {
        ...options,
        onChunk: (chunk) => {
          chunks.push(chunk);
        },
      });
      if (!files.has(result.sha256)) files.set(result.sha256, concatChunks(chunks, result.size));
      return result;
    },
    async has(sha256, size) {
      return files.get(sha256)?.byteLength === size;
    },
    async read(sha256) {
      return files.get(sha256);
    },
    async recall(key) {
      return records.get(key);
    },
    async remember(key, record) {
      records.set(key, record);
    },
  };
}
