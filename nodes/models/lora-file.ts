import { sha256Hex } from '../../src/core/content-hash';
import type { NodeDefinition } from '../../src/core/node-definition';
import { type LoraTarget, parseLoraTensors } from '../../src/runtime/lora/lora-keys';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import type { RuntimeServices } from '../../src/runtime/services';
import { numberParam, stringParam } from '../port-values';
import {
  type ClipValue,
  type FileLoraValue,
  optionalValueInput,
  type UnetValue,
  valueInput,
} from '../values';
import { loraFileSpec } from './lora-file.spec';

const paramError = (error: unknown) =>
  new Error(`param "lora": ${error instanceof Error ? error.message : String(error)}`);

function loraSource(params: Readonly<Record<string, unknown>>): string {
  const source = stringParam(params, 'lora');
  if (source.trim() === '') throw new Error('param "lora": no LoRA .safetensors file chosen');
  return source;
}

async function readLoraBytes(source: string, services: RuntimeServices, signal: AbortSignal) {
  try {
    return await services.readSource(source, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw paramError(error);
  }
}

const displayName = (source: string) => (source.startsWith('data:') ? 'the dropped LoRA file' : source);

/** How many modules the file has for each model; refuses a file with none (naming what it skipped). */
function countModules(bytes: Uint8Array, name: string): Record<LoraTarget, number> {
  const label = `LoRA "${name}"`;
  try {
    const file = readLoraSafetensors(bytes, label);
    const parse = (target: LoraTarget) => parseLoraTensors(file.tensors, { target, source: label });
    const unet = parse('unet');
    const textEncoder = parse('text_encoder');
    if (unet.modules.length === 0 && textEncoder.modules.length === 0) {
      const skipped = unet.skipped.filter((s) => s.component === undefined);
      const shown = skipped
        .slice(0, 5)
        .map((s) => `${s.name} (${s.reason})`)
        .join('; ');
      throw new Error(
        `${label} has no LoRA modules for an SD1.5 U-Net or text encoder` +
          (skipped.length > 0
            ? `: ${skipped.length} skipped: ${shown}${skipped.length > 5 ? `; and ${skipped.length - 5} more` : ''}`
            : ' (the file holds no tensors)'),
      );
    }
    return { unet: unet.modules.length, text_encoder: textEncoder.modules.length };
  } catch (error) {
    throw paramError(error);
  }
}

/**
 * ComfyUI's LoraLoader: a LoRA `.safetensors` file (kohya `lora_unet_` / `lora_te_` or
 * diffusers/PEFT `unet.` / `text_encoder.` naming, LoCon convs included) applied to the U-Net at
 * `strength_model` and to the CLIP text encoder at `strength_clip`. Nothing is merged here: the
 * LoRA joins the U-Net's and the CLIP's list, and the node that runs each model merges it when it
 * loads the session (keyed by the LoRAs' sha256 and strengths), so changing one strength reloads
 * only that model. Several loaders stack, each with its own strengths.
 */
export const loraFileNode: NodeDefinition<RuntimeServices> = {
  ...loraFileSpec,
  // Its value names this node in messages: cached per node, not shared with an identical node.
  usesNodeId: true,
  async cacheSalt(params, services, signal) {
    return sha256Hex(await readLoraBytes(loraSource(params), services, signal));
  },
  async execute({ inputs, params, services, signal, nodeId }) {
    const unet = valueInput(inputs, 'unet', 'unet');
    const clip = optionalValueInput(inputs, 'clip', 'clip');
    const source = loraSource(params);
    const bytes = await readLoraBytes(source, services, signal);
    const name = displayName(source);
    const counts = countModules(bytes, name);
    const lora: FileLoraValue = {
      kind: 'lora',
      source: 'file',
      name,
      sha256: sha256Hex(bytes),
      bytes,
      nodeId,
    };
    const strengthModel = numberParam(params, 'strength_model');
    const strengthClip = numberParam(params, 'strength_clip');
    // A file without modules for one model leaves that model as it is (no variant, no reload).
    const unetOut: UnetValue =
      counts.unet > 0 ? { ...unet, loras: [...unet.loras, { lora, strength: strengthModel }] } : unet;
    const clipOut: ClipValue | undefined =
      clip && counts.text_encoder > 0
        ? { ...clip, loras: [...(clip.loras ?? []), { lora, strength: strengthClip }] }
        : clip;
    return { outputs: { unet: unetOut, clip: clipOut } };
  },
};
