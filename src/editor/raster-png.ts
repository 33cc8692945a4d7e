import type { RasterImage } from '../core/image';

/**
 * An RGB raster (a Preview Image output, which carries no PNG bytes) as a PNG blob, encoded by
 * the browser's own canvas encoder, so the main thread carries no PNG codec of ours: files that
 * embed a graph are encoded in the engine worker. Opaque pixels, so the encoding is lossless.
 */
export function rasterPngBlob(image: RasterImage): Promise<Blob> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  if (!context) return Promise.reject(new Error('this browser has no 2D canvas to encode a PNG with'));
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba[j] = image.data[i]!;
    rgba[j + 1] = image.data[i + 1]!;
    rgba[j + 2] = image.data[i + 2]!;
    rgba[j + 3] = 255;
  }
  context.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}
