/**
 * ComfyUI's `.latent` file: a safetensors file with a tensor `latent_tensor` [B, C, H, W].
 * Two spaces exist, told apart by an empty marker tensor `latent_format_version_0`:
 * - with the marker (what ComfyUI writes today): ComfyUI's own LATENT space, the VAE's raw
 *   output, which ComfyUI's model multiplies by the VAE scale (0.18215 for SD1.x) itself;
 * - without it (ComfyUI's old format, and what diffusers-style tools write): latents already
 *   scaled, which ComfyUI's LoadLatent divides by 0.18215 to reach its own space.
 * kosmograph's LATENT is the scaled space the U-Net works in (diffusers' latents), so a marked
 * file is multiplied by 0.18215 on load (in float32, as torch would), an unmarked one is taken
 * as it is, and Save Latent writes the unmarked layout: ComfyUI then loads it into its own space
 * correctly, and a save/load round trip is bit-exact.
 */
import type { TensorData } from '../../src/runtime/ort/tensor-data';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';
import { readSafetensors, SafetensorsFormatError } from '../../src/runtime/safetensors/read';
import { writeSafetensors } from '../../src/runtime/safetensors/write';

export const LATENT_TENSOR = 'latent_tensor';
export const LATENT_FORMAT_MARKER = 'latent_format_version_0';
/** SD1.x's VAE scale: between ComfyUI's (marked) space and the U-Net's scaled space. */
export const LEGACY_LATENT_SCALE = 0.18215;
/** The most values a loaded latent may have (64M float32 = 256 MiB). */
export const MAX_LATENT_VALUES = 64 * 1024 * 1024;

/** A `.latent` file that cannot be used; the message names the file. */
export class LatentFileError extends Error {
  override readonly name = 'LatentFileError';
}

export interface DecodedLatent {
  /** [B, C, H, W] float32, in the scaled space the U-Net works in. */
  readonly samples: TensorData<'float32'>;
  /** The file's dtype for `latent_tensor` before widening. */
  readonly dtype: string;
  /** True when the file had the marker (ComfyUI's space) and the values were multiplied by 0.18215. */
  readonly rescaled: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface DecodeLatentOptions {
  /** Default MAX_LATENT_VALUES. */
  readonly maxValues?: number;
}

/** Reads a `.latent` file; every problem is a LatentFileError starting with `source`. */
export function decodeLatentFile(
  bytes: Uint8Array,
  source: string,
  options: DecodeLatentOptions = {},
): DecodedLatent {
  const fail = (message: string): never => {
    throw new LatentFileError(`${source}: ${message}`);
  };
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes, source);
  } catch (error) {
    if (!(error instanceof SafetensorsFormatError)) throw error;
    const detail = error.message.startsWith(`${source}: `)
      ? error.message.slice(source.length + 2)
      : error.message;
    return fail(`not a readable safetensors (.latent) file: ${detail}`);
  }
  const entry = file.entries.get(LATENT_TENSOR);
  if (!entry) {
    const names = [...file.entries.keys()];
    return fail(
      `no "${LATENT_TENSOR}" tensor (the file has ${names.length === 0 ? 'no tensors' : names.map((n) => `"${n}"`).join(', ')})`,
    );
  }
  if (entry.shape.length !== 4) {
    fail(
      `"${LATENT_TENSOR}" has shape [${entry.shape.join(', ')}]; a latent is [batch, channels, height, width]`,
    );
  }
  if (entry.count === 0) fail(`"${LATENT_TENSOR}" has shape [${entry.shape.join(', ')}] and holds no values`);
  const maxValues = options.maxValues ?? MAX_LATENT_VALUES;
  if (entry.count > maxValues) {
    fail(
      `"${LATENT_TENSOR}" [${entry.shape.join(', ')}] has ${entry.count} values, more than the ${maxValues} allowed`,
    );
  }
  const data = entry.decode();
  const rescaled = file.entries.has(LATENT_FORMAT_MARKER);
  if (rescaled) {
    const multiplier = Math.fround(LEGACY_LATENT_SCALE);
    for (let i = 0; i < data.length; i++) data[i] = data[i]! * multiplier;
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      fail(
        `"${LATENT_TENSOR}" has a non-finite value (${data[i]}) at index ${i}${rescaled ? ' (after scaling by 0.18215)' : ''}`,
      );
    }
  }
  return {
    samples: float32Tensor(data, [...entry.shape]),
    dtype: entry.dtype,
    rescaled,
    metadata: file.metadata,
  };
}

/**
 * Writes a `.latent` file of scaled latents: `latent_tensor` (F32) without the marker (see
 * above), plus string metadata. The bytes are deterministic.
 */
export function encodeLatentFile(
  samples: TensorData<'float32'>,
  metadata: Record<string, string> = {},
): Uint8Array {
  return writeSafetensors(new Map([[LATENT_TENSOR, { shape: samples.dims, data: samples.data }]]), metadata);
}
