/**
 * The `pastel` LoRA: kohya keys targeting the U-Net's `palette.weight` [4 colours, 3 RGB in
 * [-1,1]] seen as a Linear weight [out, in]. Merged W' = W + s * (alpha / rank) * up @ down
 * with down = I (3x3), up = (white - W) / 2, alpha = rank = 3, so each colour becomes
 * (1 - s/2) c + (s/2) white at strength s.
 */
import { writeSafetensors } from '../../src/runtime/safetensors/write';
import { PALETTE_INITIALIZER, paletteSigned } from './graphs/unet';

export const PASTEL_PREFIX = 'lora_unet_palette';
export const PASTEL_RANK = 3;

export function buildPastelLora(generatorVersion: string): Uint8Array {
  const palette = paletteSigned();
  const up = palette.map((c) => (1 - c) / 2); // [4,3]
  const down = Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  return writeSafetensors(
    new Map([
      [`${PASTEL_PREFIX}.lora_down.weight`, { shape: [PASTEL_RANK, 3], data: down }],
      [`${PASTEL_PREFIX}.lora_up.weight`, { shape: [4, PASTEL_RANK], data: up }],
      [`${PASTEL_PREFIX}.alpha`, { shape: [], data: Float32Array.from([PASTEL_RANK]) }],
    ]),
    {
      ss_network_module: 'networks.lora',
      ss_network_dim: String(PASTEL_RANK),
      kosmograph_generator: generatorVersion,
    },
  );
}

export const PASTEL_KEY_MAP = { [PASTEL_PREFIX]: PALETTE_INITIALIZER };
