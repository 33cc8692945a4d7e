/**
 * Resource budgets for untrusted input (shared graphs, images, model files), each checked before
 * the memory or the work it bounds is spent: from an image's header before it is decoded, while a
 * compressed chunk inflates, from a tensor's declared shape before it is allocated, and from a
 * sampler's params in validation. Every limit has a default and a name the user can change with
 * `kosmograph run|validate --limit NAME=VALUE` (docs/decisions.md, "Resource limits").
 *
 * Headless, the CLI puts its overrides into `KOSMOGRAPH_LIMITS` (JSON) before it starts the engine,
 * so the engine's worker thread, which inherits the environment, applies the same budgets.
 * In the browser there is no environment and the defaults hold.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;

export const LIMIT_DEFAULTS = {
  /** Pixels of one decoded image (width x height from the PNG/JPEG header). */
  'image-pixels': 8192 * 8192,
  /** Bytes one compressed PNG chunk (zTXt, iTXt, iCCP) may inflate to. */
  'png-chunk-bytes': 64 * MiB,
  /** Bytes all compressed ancillary chunks of one PNG may inflate to together. */
  'png-total-bytes': 128 * MiB,
  /** Model evaluations of one sampler: steps after denoise (steps / denoise). */
  'sampler-steps': 10_000,
  /** batch x width x height of one latent batch (Empty Latent Image). */
  'batch-pixels': 4096 * 4096,
  /** Elements of one tensor declared by a manifest or a safetensors header (2^28: 1 GiB of float32). */
  'tensor-elements': 2 ** 28,
  /** Nesting depth of JSON read from a graph, a share link, a PNG chunk or a ComfyUI file. */
  'json-depth': 64,
} as const;

export type LimitName = keyof typeof LIMIT_DEFAULTS;
export type ResourceLimits = { readonly [K in LimitName]: number };

export const LIMIT_NAMES = Object.keys(LIMIT_DEFAULTS) as LimitName[];

/** A limit that was exceeded: the message names what and the limit, and how to raise it. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(
    readonly limit: LimitName,
    message: string,
  ) {
    super(message);
  }
}

/** `... (limit image-pixels = 67108864; raise it with --limit image-pixels=N)` */
export function limitNote(name: LimitName, limits: ResourceLimits): string {
  return `limit ${name} = ${limits[name]}; raise it with --limit ${name}=N`;
}

export function isLimitName(name: string): name is LimitName {
  return Object.hasOwn(LIMIT_DEFAULTS, name);
}

const overridesSchema = z
  .record(z.string(), z.number().int().positive().max(Number.MAX_SAFE_INTEGER))
  .refine((r) => Object.keys(r).every(isLimitName), { message: 'unknown limit name' });

/** The environment variable through which the CLI hands its limits to worker threads. */
export const LIMITS_ENV = 'KOSMOGRAPH_LIMITS';

function readEnv(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[LIMITS_ENV];
}

let cached: { text: string | undefined; limits: ResourceLimits } | undefined;

/**
 * The limits in force: the defaults, with the overrides of `KOSMOGRAPH_LIMITS` where it is set
 * (a malformed value is ignored rather than trusted: the defaults are the safe side).
 */
export function currentLimits(): ResourceLimits {
  const text = readEnv();
  if (cached && cached.text === text) return cached.limits;
  let limits: ResourceLimits = LIMIT_DEFAULTS;
  if (text !== undefined) {
    try {
      const parsed = overridesSchema.safeParse(JSON.parse(text));
      if (parsed.success) limits = { ...LIMIT_DEFAULTS, ...parsed.data };
    } catch {
      // not JSON: keep the defaults
    }
  }
  cached = { text, limits };
  return limits;
}

/** Makes `overrides` the limits of this process and of the worker threads it starts afterwards. */
export function applyLimitOverrides(overrides: Partial<Record<LimitName, number>>): void {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  if (!proc?.env || Object.keys(overrides).length === 0) return;
  proc.env[LIMITS_ENV] = JSON.stringify(overrides);
}

/**
 * Parses `--limit NAME=VALUE` texts (VALUE a positive whole number; `k`, `M`, `G` suffixes
 * multiply by 1024^n). Returns the overrides or the message saying what is wrong.
 */
export function parseLimitFlags(
  texts: readonly string[],
): { overrides: Partial<Record<LimitName, number>> } | { error: string } {
  const overrides: Partial<Record<LimitName, number>> = {};
  for (const text of texts) {
    const match = /^([a-z-]+)=(\d+)([kMG]?)$/.exec(text);
    if (!match)
      return { error: `--limit "${text}" must look like NAME=NUMBER (e.g. image-pixels=100000000)` };
    const name = match[1]!;
    if (!isLimitName(name))
      return { error: `--limit: unknown limit "${name}" (limits: ${LIMIT_NAMES.join(', ')})` };
    const scale = { '': 1, k: 1024, M: MiB, G: 1024 * MiB }[match[3] as '' | 'k' | 'M' | 'G'];
    const value = Number(match[2]) * scale;
    if (!Number.isSafeInteger(value) || value <= 0)
      return { error: `--limit ${name} must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}` };
    overrides[name] = value;
  }
  return { overrides };
}
