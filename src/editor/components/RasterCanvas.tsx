import { memo, useEffect, useRef } from 'react';
import type { RasterImage } from '../../core/image';

/** Draws an RGB raster (sampler previews, outputs without PNG bytes) on a canvas. */
export const RasterCanvas = memo(function RasterCanvas({
  image,
  label,
}: {
  image: RasterImage;
  label: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    canvas.width = image.width;
    canvas.height = image.height;
    const rgba = new Uint8ClampedArray(image.width * image.height * 4);
    for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
      rgba[j] = image.data[i]!;
      rgba[j + 1] = image.data[i + 1]!;
      rgba[j + 2] = image.data[i + 2]!;
      rgba[j + 3] = 255;
    }
    ctx.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);
  }, [image]);
  return <canvas ref={ref} className="kg-raster" role="img" aria-label={label} />;
});
