import { open } from 'node:fs/promises';

/** `length` bytes at `offset` of a file, read with one positioned read (never the whole file). */
export async function readFileRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`${path} ends before byte ${offset + length}`);
      done += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
