/**
 * Reads a LoRA safetensors file with the generic reader (src/runtime/safetensors/read.ts):
 * F32, F16, BF16 and F64 tensors, widened to Float32Array (LoRA math runs in float64 later
 * anyway). Format errors become LoraFormatError.
 */
import { readSafetensors, SafetensorsFormatError } from '../safetensors/read';
import { LoraFormatError } from './errors';

export interface LoraTensor {
  shape: number[];
  data: Float32Array;
}

export interface LoraSafetensors {
  tensors: Map<string, LoraTensor>;
  metadata: Record<string, string>;
}

/** Parses safetensors bytes; errors (LoraFormatError) name `source`. */
export function readLoraSafetensors(bytes: Uint8Array, source = 'LoRA safetensors'): LoraSafetensors {
  let file: ReturnType<typeof readSafetensors>;
  try {
    file = readSafetensors(bytes, source);
  } catch (error) {
    if (error instanceof SafetensorsFormatError) throw new LoraFormatError(error.message);
    throw error;
  }
  const tensors = new Map<string, LoraTensor>();
  for (const [name, entry] of file.entries)
    tensors.set(name, { shape: [...entry.shape], data: entry.decode() });
  return { tensors, metadata: { ...file.metadata } };
}
