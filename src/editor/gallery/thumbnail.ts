import type { RasterImage } from '../../core/image';

/** Thumbnails are at most this many pixels on their long side (a few KiB as JPEG). */
export const THUMBNAIL_SIZE = 96;

/** A small JPEG data: URL of an output image, drawn and scaled by the browser's canvas. */
export function thumbnailOf(image: RasterImage, size = THUMBNAIL_SIZE): string {
  const full = document.createElement('canvas');
  full.width = image.width;
  full.height = image.height;
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba[j] = image.data[i]!;
    rgba[j + 1] = image.data[i + 1]!;
    rgba[j + 2] = image.data[i + 2]!;
    rgba[j + 3] = 255;
  }
  full.getContext('2d')!.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);
  const scale = Math.min(1, size / Math.max(image.width, image.height));
  const small = document.createElement('canvas');
  small.width = Math.max(1, Math.round(image.width * scale));
  small.height = Math.max(1, Math.round(image.height * scale));
  const ctx = small.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(full, 0, 0, small.width, small.height);
  return small.toDataURL('image/jpeg', 0.8);
}
