/**
 * The ComfyUI node classes kosmograph converts, with the order of their
 * widgets in a UI-format workflow's positional `widgets_values` and the
 * names and order of their outputs.
 *
 * Written from ComfyUI's node definitions (`nodes.py`, `comfy_extras/nodes_canny.py`):
 * a widget is every required input that is not a socket type, in the order
 * `INPUT_TYPES` declares them. The frontend adds extra values after some
 * widgets: `control_after_generate` after a seed, and the upload button's value
 * after LoadImage's `image`. Those are marked `skip` and consumed only when
 * `widgets_values` is long enough to hold them.
 */
export interface WidgetSlot {
  readonly name: string;
  /** A frontend-only value (e.g. "randomize"), present in most files, absent in some. */
  readonly skip?: boolean;
}

export interface ComfyClassInfo {
  readonly widgets: readonly WidgetSlot[];
  /** Output names by slot, as ComfyUI names them. */
  readonly outputs: readonly string[];
  /** ComfyUI's default titles for the class: an API `_meta.title` equal to one is not a user's title. */
  readonly displayNames?: readonly string[];
}

const w = (name: string): WidgetSlot => ({ name });
const skip = (name: string): WidgetSlot => ({ name, skip: true });

export const COMFY_CLASSES = {
  // comfy_extras/nodes_primitive.py: values on wires (the frontend's PrimitiveNode is inlined on
  // export; these are real nodes in an API prompt). `control_after_generate` follows the Int's value.
  PrimitiveInt: {
    displayNames: ['Int'],
    widgets: [w('value'), skip('control_after_generate')],
    outputs: ['INT'],
  },
  PrimitiveFloat: { displayNames: ['Float'], widgets: [w('value')], outputs: ['FLOAT'] },
  PrimitiveString: { displayNames: ['String'], widgets: [w('value')], outputs: ['STRING'] },
  PrimitiveStringMultiline: {
    displayNames: ['String (Multiline)'],
    widgets: [w('value')],
    outputs: ['STRING'],
  },
  CheckpointLoaderSimple: {
    displayNames: ['Load Checkpoint'],
    widgets: [w('ckpt_name')],
    outputs: ['MODEL', 'CLIP', 'VAE'],
  },
  CheckpointLoader: {
    displayNames: ['Load Checkpoint With Config (DEPRECATED)'],
    widgets: [w('config_name'), w('ckpt_name')],
    outputs: ['MODEL', 'CLIP', 'VAE'],
  },
  CLIPTextEncode: {
    displayNames: ['CLIP Text Encode (Prompt)'],
    widgets: [w('text')],
    outputs: ['CONDITIONING'],
  },
  EmptyLatentImage: {
    displayNames: ['Empty Latent Image'],
    widgets: [w('width'), w('height'), w('batch_size')],
    outputs: ['LATENT'],
  },
  KSampler: {
    widgets: [
      w('seed'),
      skip('control_after_generate'),
      w('steps'),
      w('cfg'),
      w('sampler_name'),
      w('scheduler'),
      w('denoise'),
    ],
    outputs: ['LATENT'],
  },
  VAEDecode: { displayNames: ['VAE Decode'], widgets: [], outputs: ['IMAGE'] },
  VAEEncode: { displayNames: ['VAE Encode'], widgets: [], outputs: ['LATENT'] },
  SaveImage: { displayNames: ['Save Image'], widgets: [w('filename_prefix')], outputs: [] },
  PreviewImage: { displayNames: ['Preview Image'], widgets: [], outputs: [] },
  LoadImage: {
    displayNames: ['Load Image'],
    widgets: [w('image'), skip('upload')],
    outputs: ['IMAGE', 'MASK'],
  },
  LoraLoader: {
    displayNames: ['Load LoRA'],
    widgets: [w('lora_name'), w('strength_model'), w('strength_clip')],
    outputs: ['MODEL', 'CLIP'],
  },
  ControlNetLoader: {
    displayNames: ['Load ControlNet Model'],
    widgets: [w('control_net_name')],
    outputs: ['CONTROL_NET'],
  },
  ControlNetApply: {
    displayNames: ['Apply ControlNet', 'Apply ControlNet (OLD)'],
    widgets: [w('strength')],
    outputs: ['CONDITIONING'],
  },
  ControlNetApplyAdvanced: {
    displayNames: ['Apply ControlNet', 'Apply ControlNet (Advanced)'],
    widgets: [w('strength'), w('start_percent'), w('end_percent')],
    outputs: ['positive', 'negative'],
  },
  Canny: { widgets: [w('low_threshold'), w('high_threshold')], outputs: ['IMAGE'] },
} as const satisfies Record<string, ComfyClassInfo>;

export type SupportedComfyClass = keyof typeof COMFY_CLASSES;

export function isSupportedClass(classType: string): classType is SupportedComfyClass {
  return Object.hasOwn(COMFY_CLASSES, classType);
}

/**
 * Names positional widget values by the class's widget order. Frontend-only
 * values (`skip`) are consumed only when the array holds every slot; a shorter
 * array is read without them. Extra values are ignored.
 */
export function nameWidgetValues<T>(
  widgets: readonly WidgetSlot[],
  values: readonly T[],
): { named: Record<string, T>; extra: number } {
  const withSkips = values.length >= widgets.length;
  const slots = withSkips ? widgets : widgets.filter((s) => !s.skip);
  const named: Record<string, T> = {};
  slots.forEach((slot, i) => {
    if (i < values.length && !slot.skip) named[slot.name] = values[i] as T;
  });
  return { named, extra: Math.max(0, values.length - slots.length) };
}
