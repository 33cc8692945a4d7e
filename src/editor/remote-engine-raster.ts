import type { RasterImage } from '../core/image';

/**
 * A PNG (a server's preview data: URL or an output file) as the RGB raster the editor shows,
 * decoded by the browser's own image decoder: the main thread carries no PNG codec of ours
 * (docs/decisions.md, "A light main thread"). Colour conversion is off so the pixels are the
 * file's own; the alpha channel is dropped (kosmograph writes opaque RGB PNGs).
 */
export async function decodePngToRaster(png: Blob): Promise<RasterImage> {
  const bitmap = await createImageBitmap(png, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('this browser has no 2D canvas to decode a PNG with');
    context.drawImage(bitmap, 0, 0);
    const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const data = new Uint8Array(bitmap.width * bitmap.height * 3);
    for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
      data[i] = rgba[j]!;
      data[i + 1] = rgba[j + 1]!;
      data[i + 2] = rgba[j + 2]!;
    }
    return { width: bitmap.width, height: bitmap.height, data };
  } finally {
    bitmap.close();
  }
}

/** A `data:` URL's bytes as a Blob (the browser parses it: no base64 code of ours). */
export async function dataUrlBlob(url: string): Promise<Blob> {
  if (!url.startsWith('data:')) throw new Error('a preview is not a data: URL');
  return (await fetch(url)).blob();
}
