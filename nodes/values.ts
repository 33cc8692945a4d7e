import type { RasterImage } from '../src/core/image';
import type { PackHandle } from '../src/runtime/models/pack-handle';
import type { TensorData } from '../src/runtime/ort/tensor-data';
import type { ControlnetComponent, LoraComponent } from '../src/runtime/pack/manifest';

/**
 * The values that flow along each socket type. Model sockets carry handles
 * (what to load), not sessions: sessions live in the pool and are loaded by
 * the node that runs them, so a LoRA change never reloads the VAE.
 */
interface LoraValueBase {
  readonly kind: 'lora';
  /** For messages: the pack's LoRA name, or the file's name. */
  readonly name: string;
  /** sha256 of the safetensors bytes: identifies the merged models in the session pool. */
  readonly sha256: string;
  /** The node that loaded it, for messages. */
  readonly nodeId?: string;
}

/** One of a pack's LoRAs (`models.lora`), with the pack's key map. */
export interface PackLoraValue extends LoraValueBase {
  readonly source: 'pack';
  readonly pack: PackHandle;
  readonly component: LoraComponent;
}

/** A LoRA safetensors file read by the LoRA Loader (`models.lora_file`). */
export interface FileLoraValue extends LoraValueBase {
  readonly source: 'file';
  readonly bytes: Uint8Array;
}

export type LoraValue = PackLoraValue | FileLoraValue;

export interface AppliedLora {
  readonly lora: LoraValue;
  readonly strength: number;
}

export interface UnetValue {
  readonly kind: 'unet';
  readonly pack: PackHandle;
  /** LoRAs merged into the U-Net when the sampler loads it, in order. */
  readonly loras: readonly AppliedLora[];
}

export interface VaeValue {
  readonly kind: 'vae';
  readonly pack: PackHandle;
}
export interface ClipValue {
  readonly kind: 'clip';
  readonly pack: PackHandle;
  /** LoRAs merged into the text encoder when CLIP Text Encode loads it (absent: none). */
  readonly loras?: readonly AppliedLora[];
}
export interface MllmValue {
  readonly kind: 'mllm';
  readonly pack: PackHandle;
}
export interface AlignerValue {
  readonly kind: 'aligner';
  readonly pack: PackHandle;
}
export interface ControlnetValue {
  readonly kind: 'controlnet';
  /** The node that loaded it, for messages. */
  readonly nodeId?: string;
  readonly pack: PackHandle;
  readonly name: string;
  readonly component: ControlnetComponent;
}

/** Interleaved text with `<i>` markers and the images they stand for, in order. */
export interface PromptValue {
  readonly kind: 'prompt';
  readonly text: string;
  readonly images: readonly RasterImage[];
}

export interface HiddenStates {
  /** [1, T, D] */
  readonly hidden: TensorData<'float32'>;
  /** [1, T], 1 for real tokens */
  readonly paddingMask: TensorData<'int64'>;
}

/** MLLM output for the prompt and for the unconditional input (`<s>` + negative text). */
export interface MllmHiddenValue {
  readonly kind: 'mllm_hidden';
  readonly positive: HiddenStates;
  readonly negative: HiddenStates;
}

export interface ControlHint {
  readonly controlnet: ControlnetValue;
  /** [1, 3, H, W] in [0, 1] */
  readonly image: TensorData<'float32'>;
  /** The control image as given, for ControlNets sized to the latent at sampling time. */
  readonly source?: RasterImage;
  readonly strength: number;
  /** Fractions of the sampling steps in which the hint applies. */
  readonly start: number;
  readonly end: number;
}

/** A CLIP-space embedding [1, L, C] the U-Net is conditioned on, with ControlNet hints. */
export interface ConditioningValue {
  readonly kind: 'conditioning';
  readonly embeds: TensorData<'float32'>;
  readonly controls: readonly ControlHint[];
  /** The node that made the embedding, for messages (e.g. a width the U-Net does not take). */
  readonly source?: { readonly nodeId: string; readonly title: string };
}

/** Latents [B, C, h, w] in the scaled space the U-Net works in. */
export interface LatentValue {
  readonly kind: 'latent';
  readonly samples: TensorData<'float32'>;
}

export type SocketValue =
  | LoraValue
  | UnetValue
  | VaeValue
  | ClipValue
  | MllmValue
  | AlignerValue
  | ControlnetValue
  | PromptValue
  | MllmHiddenValue
  | ConditioningValue
  | LatentValue;

/** The input `port` as a value of `kind`, or an error naming the port. */
export function valueInput<K extends SocketValue['kind']>(
  inputs: Readonly<Record<string, unknown>>,
  port: string,
  kind: K,
): Extract<SocketValue, { kind: K }> {
  const value = inputs[port];
  if (typeof value !== 'object' || value === null || (value as { kind?: unknown }).kind !== kind) {
    throw new Error(`input "${port}" is not a ${kind} value`);
  }
  return value as Extract<SocketValue, { kind: K }>;
}

export function optionalValueInput<K extends SocketValue['kind']>(
  inputs: Readonly<Record<string, unknown>>,
  port: string,
  kind: K,
): Extract<SocketValue, { kind: K }> | undefined {
  return inputs[port] === undefined ? undefined : valueInput(inputs, port, kind);
}
