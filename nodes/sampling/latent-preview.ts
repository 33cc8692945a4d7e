import { createRasterImage, type RasterImage } from '../../src/core/image';

/**
 * Latent -> RGB factors for a cheap preview (no VAE run), as used by ComfyUI
 * for SD1.5 latents. A pack may declare its own (`constants.previewRgbFactors`).
 */
export const SD15_PREVIEW_RGB_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

/** Projects the first latent of an NCHW batch to a small RGB image, upscaled `scale`x (nearest). */
export function latentPreview(
  latent: Float32Array,
  channels: number,
  height: number,
  width: number,
  factors: readonly (readonly number[])[],
  scale = 4,
): RasterImage {
  const image = createRasterImage(width * scale, height * scale);
  const plane = height * width;
  for (let y = 0; y < height * scale; y++) {
    for (let x = 0; x < width * scale; x++) {
      const p = Math.floor(y / scale) * width + Math.floor(x / scale);
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let k = 0; k < channels && k < factors.length; k++)
          v += (latent[k * plane + p] ?? 0) * (factors[k]?.[c] ?? 0);
        image.data[(y * width * scale + x) * 3 + c] = Math.max(
          0,
          Math.min(255, Math.round(((v + 1) / 2) * 255)),
        );
      }
    }
  }
  return image;
}
