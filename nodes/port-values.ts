import type { RasterImage } from '../src/core/image';

/** Typed access to input values; the validator guarantees socket types, this guards the shapes. */
export function imageInput(inputs: Readonly<Record<string, unknown>>, port: string): RasterImage {
  const value = inputs[port];
  if (
    typeof value !== 'object' ||
    value === null ||
    !('width' in value) ||
    !('height' in value) ||
    !('data' in value) ||
    !(value.data instanceof Uint8Array)
  ) {
    throw new Error(`input "${port}" is not an image`);
  }
  return value as RasterImage;
}

export function stringParam(params: Readonly<Record<string, unknown>>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string') throw new Error(`param "${name}" must be text`);
  return value;
}

export function numberParam(params: Readonly<Record<string, unknown>>, name: string): number {
  const value = params[name];
  if (typeof value !== 'number') throw new Error(`param "${name}" must be a number`);
  return value;
}
