/**
 * sha256 by streaming, for model files too large to hold twice (WebCrypto only digests whole
 * buffers): `@noble/hashes`' incremental sha256 over a ReadableStream, chunk by chunk.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** Called with the bytes read so far; throttled to every `PROGRESS_STEP_BYTES` and the end. */
export type BytesListener = (bytesDone: number) => void;

/** Progress is reported at most every this many bytes (and once at the end). */
export const PROGRESS_STEP_BYTES = 16 * 1024 * 1024;

export interface StreamHashOptions {
  readonly signal?: AbortSignal;
  readonly onBytes?: BytesListener;
  /** Sees every chunk after it is hashed (e.g. to write it to storage); awaited before the next read. */
  readonly onChunk?: (chunk: Uint8Array) => void | Promise<void>;
}

/** sha256 (lowercase hex) and length of everything a stream yields. */
export async function sha256OfStream(
  stream: ReadableStream<Uint8Array>,
  options: StreamHashOptions = {},
): Promise<{ sha256: string; size: number }> {
  const { signal, onBytes, onChunk } = options;
  const hash = sha256.create();
  const reader = stream.getReader();
  let size = 0;
  let reported = 0;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      size += value.byteLength;
      if (onChunk) await onChunk(value);
      if (onBytes && size - reported >= PROGRESS_STEP_BYTES) {
        reported = size;
        onBytes(size);
      }
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  if (onBytes && reported !== size) onBytes(size);
  return { sha256: bytesToHex(hash.digest()), size };
}

/** sha256 of a Blob (a picked file), streamed: the file is never read whole. */
export async function sha256OfBlob(blob: Blob, options: StreamHashOptions = {}): Promise<string> {
  return (await sha256OfStream(blob.stream() as ReadableStream<Uint8Array>, options)).sha256;
}
