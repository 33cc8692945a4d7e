import type { ImageInfo } from './store';

/**
 * Checking an image a user chose, dropped or pasted, before it goes into the
 * graph: a text file renamed `.png` is refused at once, naming the file,
 * rather than failing later in a run.
 */

export type ImageMediaType = 'image/png' | 'image/jpeg';

/** The image type the bytes really are (by signature, not by file name or the browser's guess). */
export function sniffImageType(bytes: Uint8Array): ImageMediaType | undefined {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** "1.2 KiB": sizes as the editor shows them (never "0 KiB" for a small file). */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The decoded size of a base64 data: URL's payload, and its media type. */
export function dataUrlInfo(url: string): { mediaType: string; bytes: number } | undefined {
  const match = /^data:([^;,]*)[^,]*?(;base64)?,/.exec(url);
  if (!match) return undefined;
  const payload = url.slice(match[0].length);
  if (!match[2]) return { mediaType: match[1] ?? '', bytes: decodeURIComponent(payload).length };
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  return { mediaType: match[1] ?? '', bytes: Math.floor((payload.length * 3) / 4) - padding };
}

function preview(bytes: Uint8Array): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 16));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: showing only printable bytes is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '.');
}

/**
 * Reads and checks an image file: PNG or JPEG by its bytes, and decodable by
 * the browser. Throws an Error naming the file otherwise.
 */
export async function checkImageFile(file: File): Promise<{ info: ImageInfo; type: ImageMediaType }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = sniffImageType(bytes);
  if (!type) {
    throw new Error(
      bytes.length === 0
        ? `${file.name} is empty, not a PNG or JPEG image`
        : `${file.name} is not a PNG or JPEG image (it starts with "${preview(bytes)}")`,
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type }));
  } catch {
    throw new Error(
      `${file.name} looks like a ${type === 'image/png' ? 'PNG' : 'JPEG'} but cannot be decoded`,
    );
  }
  const info = { name: file.name, bytes: bytes.length, width: bitmap.width, height: bitmap.height };
  bitmap.close();
  return { info, type };
}
