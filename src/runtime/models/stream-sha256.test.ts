import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryModelStore } from './model-store';
import { PROGRESS_STEP_BYTES, sha256OfBlob, sha256OfStream } from './stream-sha256';

function bytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) % 251;
  return out;
}
const hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A stream of `data` in chunks of `chunk` bytes. */
function chunked(data: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= data.length) return controller.close();
      controller.enqueue(data.slice(at, at + chunk));
      at += chunk;
    },
  });
}

describe('streamed sha256', () => {
  it('equals the one-shot digest, whatever the chunking', async () => {
    const data = bytes(100_003);
    for (const chunk of [1, 63, 64, 4096, 200_000]) {
      expect(await sha256OfStream(chunked(data, chunk))).toEqual({ sha256: hex(data), size: data.length });
    }
    expect(await sha256OfBlob(new Blob([data]))).toBe(hex(data));
    expect((await sha256OfStream(chunked(new Uint8Array(0), 8))).sha256).toBe(hex(new Uint8Array(0)));
  });

  it('reports bytes every step and at the end, and stops when aborted', async () => {
    const data = bytes(2 * PROGRESS_STEP_BYTES + 5);
    const seen: number[] = [];
    await sha256OfStream(chunked(data, 1024 * 1024), { onBytes: (n) => seen.push(n) });
    expect(seen).toEqual([PROGRESS_STEP_BYTES, 2 * PROGRESS_STEP_BYTES, data.length]);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(sha256OfStream(chunked(data, 1024), { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('the memory store keeps a streamed file under its sha256', async () => {
    const store = memoryModelStore();
    const data = bytes(5000);
    const put = await store.put(chunked(data, 333));
    expect(put).toEqual({ sha256: hex(data), size: 5000 });
    expect(await store.has(put.sha256, 5000)).toBe(true);
    expect(await store.has(put.sha256, 4999)).toBe(false);
    expect(await store.read(put.sha256)).toEqual(data);
  });
});
