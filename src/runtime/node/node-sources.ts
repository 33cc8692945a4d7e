import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

const DATA_URL = /^data:([^;,]*)(;base64)?,(.*)$/s;

/** Decodes a data: URL's payload. */
export function decodeDataUrl(url: string): Uint8Array {
  const match = DATA_URL.exec(url);
  if (!match) throw new Error('malformed data: URL');
  const payload = match[3] ?? '';
  return match[2]
    ? new Uint8Array(Buffer.from(payload, 'base64'))
    : new TextEncoder().encode(decodeURIComponent(payload));
}

/**
 * Reads a source headlessly: http(s) URLs with fetch, data: URLs inline,
 * anything else as a file path relative to `baseDir`.
 */
export async function readNodeSource(
  source: string,
  baseDir: string,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (source.trim() === '') throw new Error('no image chosen (the source is empty)');
  if (source.startsWith('data:')) return decodeDataUrl(source);
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal });
    } catch (error) {
      throw new Error(`cannot fetch ${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw new Error(`cannot fetch ${source}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }
  const path = isAbsolute(source) ? source : resolve(baseDir, source);
  try {
    return new Uint8Array(await readFile(path, { signal }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`file not found: ${path}`);
    if (code === 'EISDIR') throw new Error(`${path} is a folder, not a file`);
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
