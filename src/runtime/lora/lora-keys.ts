/**
 * LoRA key parsing: groups a LoRA file's tensors into modules `{module, down, up, alpha?}`.
 *
 * Recognised key styles (a module is the key prefix before the suffix):
 * - kohya: `lora_unet_<path_with_underscores>.lora_down.weight` / `.lora_up.weight` / `.alpha`
 * - PEFT: `<prefix?><dotted.path>.lora_A[.<adapter>].weight` / `.lora_B[.<adapter>].weight`,
 *   prefix `base_model.model.` and/or `unet.`
 * - diffusers: `<dotted.path>.lora.down.weight` / `.lora.up.weight`,
 *   `<dotted.path>.lora_linear_layer.down.weight` / `.up.weight`, and the older attention-processor
 *   form `<attn>.processor.to_q_lora.down.weight` (to_out_lora -> `to_out.0`)
 * - any style: `<module>.alpha` (scalar) sets alpha; otherwise alpha is `defaultAlpha` or rank.
 *
 * A file holds modules of two models: the U-Net (`lora_unet_`, `unet.`, bare diffusers paths) and
 * the CLIP text encoder (`lora_te_` / `lora_te1_`, `text_encoder.`, `te.`, `text_model.`). One parse
 * reads the modules of one `target` (default `unet`); the other model's modules are reported as
 * skipped with `component` set, as are a second text encoder (`lora_te2_`, `text_encoder_2.`:
 * SDXL), formats this merger does not implement (LoHa, LoKr, DoRA, LoCon mid weights, full diffs)
 * and keys it does not recognise. A non-finite value in a target module's tensors is refused
 * naming the key.
 */
import { LoraFormatError } from './errors';
import { type LoraTensor, readLoraSafetensors } from './lora-safetensors';

export type { LoraTensor } from './lora-safetensors';

export type LoraKeyStyle = 'kohya' | 'peft' | 'diffusers';

/** The model a LoRA module patches. */
export type LoraTarget = 'unet' | 'text_encoder';

/** `U-Net` / `text encoder`, for messages. */
export function loraTargetLabel(target: LoraTarget): string {
  return target === 'unet' ? 'U-Net' : 'text encoder';
}

export interface LoraModule {
  /** The key prefix as written in the file, e.g. `lora_unet_down_blocks_0_..._to_q` or `unet.down_blocks.0....to_q`. */
  module: string;
  style: LoraKeyStyle;
  /** The model it patches. */
  target: LoraTarget;
  /**
   * The module path with dots in its model (`down_blocks.0.attentions.0....to_q`,
   * `text_model.encoder.layers.0.self_attn.q_proj`) where the style keeps dots; null for kohya.
   */
  path: string | null;
  /**
   * kohya-style name of the module (`lora_unet_` / `lora_te_` + path with `.` -> `_`): the key a
   * pack manifest's keyMap uses.
   */
  kohyaName: string;
  /** The file's keys of the down, up (and alpha) tensors, for messages. */
  keys: { down: string; up: string; alpha?: string };
  /** [rank, in] or [rank, in, kh, kw]. */
  down: LoraTensor;
  /** [out, rank] or [out, rank, 1, 1]. */
  up: LoraTensor;
  alpha?: number;
  /** down.shape[0]. */
  rank: number;
}

export interface SkippedLoraModule {
  /** Module prefix (or the whole key when it was not recognised). */
  name: string;
  reason: string;
  /** Set when the module is one of the other model's (merged by a parse with that target). */
  component?: LoraTarget;
}

export interface ParsedLora {
  /** The model `modules` patch (the parse's target). */
  target: LoraTarget;
  modules: LoraModule[];
  skipped: SkippedLoraModule[];
  metadata: Record<string, string>;
}

export interface ParseLoraOptions {
  /** Alpha for modules without an `.alpha` tensor (PEFT keeps it in adapter_config.json); default: rank. */
  defaultAlpha?: number;
  metadata?: Record<string, string>;
  /** Which model's modules to read (default `unet`); the other's go to `skipped`. */
  target?: LoraTarget;
  /** Names the file in errors (e.g. `LoRA "x.safetensors"`). */
  source?: string;
}

type Role = 'down' | 'up' | 'alpha';

interface Classified {
  prefix: string;
  role: Role | { unsupported: string };
  style: LoraKeyStyle;
  /** Path override (attention-processor keys). */
  path?: string;
}

const UNSUPPORTED_SUFFIXES: readonly [RegExp, string][] = [
  [/^(.+)\.(hada_[a-z0-9_]+)$/, 'LoHa (hada_*) is not supported'],
  [/^(.+)\.(lokr_[a-z0-9_]+)$/, 'LoKr (lokr_*) is not supported'],
  [/^(.+)\.(dora_scale|lora_magnitude_vector(?:\.[^.]+)?(?:\.weight)?)$/, 'DoRA is not supported'],
  [/^(.+)\.(lora_mid\.weight)$/, 'LoCon mid (Tucker) weights are not supported'],
  [/^(.+)\.(diff|diff_b|w_norm|b_norm|bias)$/, 'full-difference / norm / bias patches are not supported'],
];

function classifyKey(key: string): Classified | null {
  let m = /^(lora_[a-z0-9]+_.+)\.(lora_down\.weight|lora_up\.weight|alpha)$/.exec(key);
  if (m) {
    const role: Role = m[2] === 'lora_down.weight' ? 'down' : m[2] === 'lora_up.weight' ? 'up' : 'alpha';
    return { prefix: m[1]!, role, style: 'kohya' };
  }
  m = /^(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$/.exec(key);
  if (m) return { prefix: m[1]!, role: m[2] === 'A' ? 'down' : 'up', style: 'peft' };
  m = /^(.+)\.processor\.(to_q|to_k|to_v|to_out)_lora\.(down|up)\.weight$/.exec(key);
  if (m) {
    const proj = m[2] === 'to_out' ? 'to_out.0' : m[2]!;
    return {
      prefix: `${m[1]}.processor.${m[2]}_lora`,
      role: m[3] as Role,
      style: 'diffusers',
      path: `${m[1]}.${proj}`,
    };
  }
  m = /^(.+)\.(?:lora|lora_linear_layer)\.(down|up)\.weight$/.exec(key);
  if (m) return { prefix: m[1]!, role: m[2] as Role, style: 'diffusers' };
  m = /^(.+)\.alpha$/.exec(key);
  if (m) return { prefix: m[1]!, role: 'alpha', style: m[1]!.startsWith('lora_') ? 'kohya' : 'peft' };
  for (const [re, reason] of UNSUPPORTED_SUFFIXES) {
    m = re.exec(key);
    if (m) return { prefix: m[1]!, role: { unsupported: reason }, style: 'kohya' };
  }
  return null;
}

interface Target {
  /** The model the module patches; null when it is skipped (`skip` says why). */
  component: LoraTarget | null;
  skip?: string;
  path: string | null;
}

const SECOND_TEXT_ENCODER = 'second text encoder (SDXL); SD1.5 has one text encoder';

function targetOf(prefix: string, style: LoraKeyStyle, pathOverride: string | undefined): Target {
  if (style === 'kohya' && prefix.startsWith('lora_')) {
    if (prefix.startsWith('lora_unet_')) return { component: 'unet', path: null };
    if (/^lora_te1?_/.test(prefix)) return { component: 'text_encoder', path: null };
    if (/^lora_te\d+_/.test(prefix)) return { component: null, skip: SECOND_TEXT_ENCODER, path: null };
    return {
      component: null,
      skip: `unknown kohya target ${prefix.split('_').slice(0, 2).join('_')}`,
      path: null,
    };
  }
  let path = pathOverride ?? prefix;
  path = path.replace(/^base_model\.model\./, '');
  if (/^(text_encoder_[2-9]|te[2-9])\./.test(path))
    return { component: null, skip: SECOND_TEXT_ENCODER, path };
  if (/^(text_encoder(_1)?|te1?)\./.test(path))
    return { component: 'text_encoder', path: path.slice(path.indexOf('.') + 1) };
  if (path.startsWith('text_model.')) return { component: 'text_encoder', path };
  path = path.replace(/^unet\./, '');
  return { component: 'unet', path };
}

function isScalar(t: LoraTensor): boolean {
  return t.data.length === 1 && t.shape.every((d) => d === 1);
}

function checkShapes(name: string, down: LoraTensor, up: LoraTensor): number {
  const bad = (why: string): never => {
    throw new LoraFormatError(
      `LoRA module ${name}: ${why} (down [${down.shape.join(', ')}], up [${up.shape.join(', ')}])`,
    );
  };
  if (down.shape.length !== 2 && down.shape.length !== 4) bad('down must be 2-D or 4-D');
  if (up.shape.length !== 2 && up.shape.length !== 4) bad('up must be 2-D or 4-D');
  if (up.shape.length === 4 && (up.shape[2] !== 1 || up.shape[3] !== 1))
    bad('a 4-D up must be [out, rank, 1, 1]');
  const rank = down.shape[0]!;
  if (rank < 1) bad('rank is 0');
  if (up.shape[1] !== rank) bad(`up has ${up.shape[1]} columns but down has rank ${rank}`);
  return rank;
}

/** Throws when a tensor holds NaN or an infinity, naming the key (and the file). */
function checkFinite(key: string, t: LoraTensor): void {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v))
      throw new LoraFormatError(
        `tensor ${key} holds ${v} at index ${i} (shape [${t.shape.join(', ')}]): a LoRA's weights must be finite numbers`,
      );
  }
}

/**
 * Groups LoRA tensors into the modules of `options.target` (default the U-Net). Throws
 * LoraFormatError when a target module's down/up shapes do not fit together or a tensor of it is
 * not finite; the other model's modules, incomplete modules and unsupported or unknown keys go
 * to `skipped`.
 */
export function parseLoraTensors(
  tensors: ReadonlyMap<string, LoraTensor>,
  options: ParseLoraOptions = {},
): ParsedLora {
  try {
    return groupModules(tensors, options);
  } catch (error) {
    if (error instanceof LoraFormatError && options.source !== undefined)
      throw new LoraFormatError(`${options.source}: ${error.message}`);
    throw error;
  }
}

function groupModules(tensors: ReadonlyMap<string, LoraTensor>, options: ParseLoraOptions): ParsedLora {
  interface Group {
    style: LoraKeyStyle;
    path?: string;
    down?: LoraTensor;
    up?: LoraTensor;
    alpha?: LoraTensor;
    keys: Partial<Record<Role, string>>;
    unsupported?: string;
  }
  const wanted: LoraTarget = options.target ?? 'unet';
  const groups = new Map<string, Group>();
  const skipped: SkippedLoraModule[] = [];
  const keys = [...tensors.keys()].sort();
  for (const key of keys) {
    const c = classifyKey(key);
    if (!c) {
      skipped.push({ name: key, reason: 'unrecognised LoRA key' });
      continue;
    }
    let g = groups.get(c.prefix);
    if (!g) {
      g = { style: c.style, keys: {} };
      groups.set(c.prefix, g);
    }
    if (c.role !== 'alpha') g.style = c.style; // an `.alpha` alone does not tell the style
    if (c.path !== undefined) g.path = c.path;
    const t = tensors.get(key)!;
    if (typeof c.role === 'object') g.unsupported ??= c.role.unsupported;
    else if (g[c.role] !== undefined)
      throw new LoraFormatError(`LoRA module ${c.prefix}: two ${c.role} tensors`);
    else {
      g[c.role] = t;
      g.keys[c.role] = key;
    }
  }
  const modules: LoraModule[] = [];
  for (const [prefix, g] of groups) {
    const target = targetOf(prefix, g.style, g.path);
    if (target.component === null) {
      skipped.push({ name: prefix, reason: target.skip ?? 'no target' });
      continue;
    }
    if (target.component !== wanted) {
      skipped.push({
        name: prefix,
        reason: `${loraTargetLabel(target.component)} module (merged into the ${loraTargetLabel(target.component)}, not the ${loraTargetLabel(wanted)})`,
        component: target.component,
      });
      continue;
    }
    if (g.unsupported !== undefined) {
      skipped.push({ name: prefix, reason: g.unsupported });
      continue;
    }
    if (!g.down || !g.up) {
      skipped.push({ name: prefix, reason: `incomplete module: no ${g.down ? 'up' : 'down'} weight` });
      continue;
    }
    const rank = checkShapes(prefix, g.down, g.up);
    checkFinite(g.keys.down!, g.down);
    checkFinite(g.keys.up!, g.up);
    let alpha: number | undefined;
    if (g.alpha) {
      if (!isScalar(g.alpha))
        throw new LoraFormatError(`LoRA module ${prefix}: alpha must be a scalar, got [${g.alpha.shape}]`);
      checkFinite(g.keys.alpha!, g.alpha);
      alpha = g.alpha.data[0]!;
    } else if (options.defaultAlpha !== undefined) alpha = options.defaultAlpha;
    const path = target.path;
    const kohyaPrefix = wanted === 'unet' ? 'lora_unet_' : 'lora_te_';
    const kohyaName = path === null ? prefix : `${kohyaPrefix}${path.replace(/\./g, '_')}`;
    const keys: LoraModule['keys'] = { down: g.keys.down!, up: g.keys.up! };
    if (g.keys.alpha !== undefined) keys.alpha = g.keys.alpha;
    const mod: LoraModule = {
      module: prefix,
      style: g.style,
      target: wanted,
      path,
      kohyaName,
      keys,
      down: g.down,
      up: g.up,
      rank,
    };
    if (alpha !== undefined) mod.alpha = alpha;
    modules.push(mod);
  }
  return { target: wanted, modules, skipped, metadata: options.metadata ?? {} };
}

/** Reads a LoRA safetensors file and parses its keys. */
export function parseLoraSafetensors(bytes: Uint8Array, options: ParseLoraOptions = {}): ParsedLora {
  const file = readLoraSafetensors(bytes, options.source);
  return parseLoraTensors(file.tensors, { ...options, metadata: { ...file.metadata, ...options.metadata } });
}
