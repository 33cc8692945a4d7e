/**
 * A decoded raster image as it flows between nodes: 8-bit RGB, row-major,
 * `data.length === width * height * 3`. Alpha is dropped at decode time
 * (composited over white) because no model in the pipeline consumes it.
 */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function createRasterImage(width: number, height: number, data?: Uint8Array): RasterImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const buffer = data ?? new Uint8Array(width * height * 3);
  if (buffer.length !== width * height * 3) {
    throw new RangeError(
      `image data has ${buffer.length} bytes, expected ${width * height * 3} for ${width}x${height} RGB`,
    );
  }
  return { width, height, data: buffer };
}
