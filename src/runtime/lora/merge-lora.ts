/**
 * Merges LoRA modules into an ONNX model's initializers: W' = W + s * (alpha / rank) * up @ down.
 *
 * Targets are found by a key map (module name -> initializer name, e.g. a pack manifest's
 * `keyMap`, or a function) and then, unless disabled, by a heuristic that normalises names
 * (`.` and `/` -> `_`) and matches the module path against
 * - initializer names (`down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight`), and
 * - MatMul / Gemm / Conv node names as torch.onnx writes them
 *   (`/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul`), whose weight input is
 *   often an anonymous, transposed initializer (`onnx::MatMul_1234`).
 *
 * Layout: the delta is [out, in] (in = in_channels * kh * kw for conv LoRAs). How the initializer
 * stores it is read from its consumers (MatMul B and Gemm B without transB: [in, out], so the
 * delta is transposed; MatMul A, Gemm B with transB, Conv W: [out, in, ...]) and, where the graph
 * does not say, from its shape. Initializers: float32 (raw_data or float_data), float16 and
 * bfloat16 (raw_data or int32_data), float64 (raw_data or double_data); the sum is computed in
 * float64 and rounded once. Initializers in external data are merged when the caller hands
 * their bytes in (`externalBytes`, read by range: see {@link externalLoraTargets}); the merged
 * tensors are then stored inline, every other initializer keeps pointing at its external file,
 * so the weights are never copied whole.
 *
 * The model is decoded and re-encoded with onnx-proto (ONNX 1.10 schema): everything else is
 * kept, except protobuf fields newer than that schema, which protobufjs drops. Strength 0 returns
 * the input bytes themselves, without decoding.
 *
 * {@link mergeLoraStack} merges several LoRAs (each at its own strength) in one decode / encode,
 * reading external-data targets through an async range reader; the deltas of every LoRA are
 * summed in float64 and rounded once.
 */
import type { onnx as OnnxTypes } from 'onnx-proto';
import onnxProto from 'onnx-proto';
import { LoraMergeError } from './errors';
import { bfloat16ToNumber, halfToNumber, numberToBfloat16, numberToHalf } from './float-codec';
import { type LoraModule, type LoraTarget, loraTargetLabel, type ParsedLora } from './lora-keys';

export { LoraMergeError } from './errors';

const { onnx } = onnxProto;

/** Module name (file prefix, kohya name, or dotted path) -> ONNX initializer name. */
export type LoraKeyResolver =
  | Readonly<Record<string, string>>
  | ReadonlyMap<string, string>
  | ((module: LoraModule) => string | undefined);

export interface MergeLoraOptions {
  /** Explicit targets, tried first with the module's file prefix, its kohya name, then its dotted path. */
  keyMap?: LoraKeyResolver;
  /** Match remaining modules by name against initializers and MatMul/Gemm/Conv nodes (default true). */
  heuristic?: boolean;
  /** Bytes of external-data initializers the LoRA targets, by initializer name (see externalLoraTargets). */
  externalBytes?: ReadonlyMap<string, Uint8Array>;
  /** Names the LoRA at the start of error messages, e.g. `LoRA "x" (x.safetensors)`. */
  label?: string;
}

/** Where an external-data initializer's bytes lie: a file beside the model, an offset and a length. */
export interface ExternalTensorRef {
  readonly initializer: string;
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

export interface LoraMergeResult {
  /** The merged model (the input bytes themselves at strength 0). */
  model: Uint8Array;
  /** Modules merged (file prefixes), in file order. */
  matched: string[];
  /** Modules of the target model (U-Net or text encoder) with no weight in the model. */
  unmatched: string[];
  /** Modules not merged by design: the other model's, unsupported LoRA formats, external-data targets. */
  skipped: string[];
  /** matched module -> initializer it changed. */
  targets: Record<string, string>;
  /** Why each skipped or unmatched module was not merged. */
  reasons: Record<string, string>;
}

type Layout = 'out_in' | 'in_out';

const DT_FLOAT = 1;
const DT_FLOAT16 = 10;
const DT_DOUBLE = 11;
const DT_BFLOAT16 = 16;
const FLOAT_TYPES = new Set([DT_FLOAT, DT_FLOAT16, DT_DOUBLE, DT_BFLOAT16]);

interface LongLike {
  toString(): string;
}
const toNum = (v: number | LongLike | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'number' ? v : Number(v.toString());

const prod = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const fmt = (dims: readonly number[]): string => `[${dims.join(', ')}]`;

/** Normalised name for heuristic matching: separators to `_`, no leading separators. */
function norm(name: string): string {
  return name
    .replace(/^[/.]+/, '')
    .replace(/[./:]+/g, '_')
    .replace(/_+$/, '');
}

function stripPrefixes(name: string): string {
  return name.replace(/^(?:unet|text_model|model|base_model_model)_/, '');
}

interface GraphIndex {
  graph: OnnxTypes.IGraphProto;
  inits: Map<string, OnnxTypes.ITensorProto>;
  /** tensor name -> nodes reading it (and at which input). */
  consumers: Map<string, { node: OnnxTypes.INodeProto; index: number }[]>;
  /** tensor name -> node writing it. */
  producers: Map<string, OnnxTypes.INodeProto>;
  /** normalised module path -> candidate initializer names. */
  byName: Map<string, Set<string>>;
}

/** Ops a weight may pass through between its initializer and its MatMul / Gemm / Conv. */
const PASS_THROUGH = new Set(['Cast', 'Identity', 'Transpose']);

/** A 2-D Transpose (no perm, or perm [1, 0]) flips [out, in] and [in, out]. */
function flips(node: OnnxTypes.INodeProto): boolean {
  if (node.opType !== 'Transpose') return false;
  const perm = (node.attribute ?? []).find((a) => a.name === 'perm')?.ints?.map(toNum);
  return perm === undefined || perm.length === 0 || (perm[0] === 1 && perm[1] === 0);
}

function isExternal(t: OnnxTypes.ITensorProto): boolean {
  return t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0;
}

function indexGraph(graph: OnnxTypes.IGraphProto): GraphIndex {
  const inits = new Map<string, OnnxTypes.ITensorProto>();
  for (const t of graph.initializer ?? []) if (t.name) inits.set(t.name, t);
  const consumers: GraphIndex['consumers'] = new Map();
  const producers: GraphIndex['producers'] = new Map();
  const byName: GraphIndex['byName'] = new Map();
  const add = (key: string, init: string): void => {
    if (!key) return;
    let set = byName.get(key);
    if (!set) {
      set = new Set();
      byName.set(key, set);
    }
    set.add(init);
  };
  for (const t of inits.values()) {
    const dims = (t.dims ?? []).map(toNum);
    if (!FLOAT_TYPES.has(t.dataType ?? 0) || dims.length < 2) continue;
    const n = norm(t.name!.replace(/[./]weight$/, ''));
    add(n, t.name!);
    add(stripPrefixes(n), t.name!);
  }
  for (const node of graph.node ?? []) {
    (node.input ?? []).forEach((name, index) => {
      let list = consumers.get(name);
      if (!list) {
        list = [];
        consumers.set(name, list);
      }
      list.push({ node, index });
    });
    for (const out of node.output ?? []) producers.set(out, node);
  }
  /** The initializer a tensor comes from through Cast / Identity / Transpose, if any. */
  const sourceInit = (tensor: string | undefined): string | undefined => {
    for (let depth = 0; tensor !== undefined && depth < 4; depth++) {
      if (inits.has(tensor)) return tensor;
      const p = producers.get(tensor);
      if (!p || !PASS_THROUGH.has(p.opType ?? '')) return undefined;
      tensor = p.input?.[0];
    }
    return undefined;
  };
  for (const node of graph.node ?? []) {
    const ins = node.input ?? [];
    const op = node.opType ?? '';
    if ((op === 'MatMul' || op === 'Gemm' || op === 'Conv') && node.name) {
      // The weight operand: B for Gemm/Conv, whichever operand comes from an initializer for MatMul.
      const w = op === 'MatMul' ? (sourceInit(ins[1]) ?? sourceInit(ins[0])) : sourceInit(ins[1]);
      if (w === undefined) continue;
      const base = node.name.replace(new RegExp(`[/.]${op}(?:_\\d+)?$`), '');
      if (base === node.name) continue;
      const n = norm(base);
      add(n, w);
      add(stripPrefixes(n), w);
    }
  }
  return { graph, inits, consumers, producers, byName };
}

function intAttr(node: OnnxTypes.INodeProto, name: string): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? toNum(a.i) : 0;
}

/** Storage layout of a weight from how the graph uses it; null when unknown or contradictory. */
function layoutFromUse(index: GraphIndex, init: string): Layout | null {
  const layouts = new Set<Layout>();
  const flip = (l: Layout): Layout => (l === 'out_in' ? 'in_out' : 'out_in');
  const visit = (tensor: string, flipped: boolean, depth: number): void => {
    const add = (l: Layout): void => {
      layouts.add(flipped ? flip(l) : l);
    };
    for (const { node, index: at } of index.consumers.get(tensor) ?? []) {
      switch (node.opType) {
        case 'MatMul':
          add(at === 1 ? 'in_out' : 'out_in');
          break;
        case 'Gemm':
          if (at === 1) add(intAttr(node, 'transB') ? 'out_in' : 'in_out');
          else if (at === 0) add(intAttr(node, 'transA') ? 'in_out' : 'out_in');
          break;
        case 'Conv':
          if (at === 1) add('out_in');
          break;
        default:
          if (at === 0 && depth < 4 && PASS_THROUGH.has(node.opType ?? '') && node.output?.[0])
            visit(node.output[0], flipped !== flips(node), depth + 1);
      }
    }
  };
  visit(init, false, 0);
  return layouts.size === 1 ? [...layouts][0]! : null;
}

function resolveExplicit(resolver: LoraKeyResolver | undefined, mod: LoraModule): string | undefined {
  if (!resolver) return undefined;
  if (typeof resolver === 'function') return resolver(mod);
  const keys = [mod.module, mod.kohyaName, mod.path].filter((k): k is string => k !== null);
  for (const k of keys) {
    const v =
      resolver instanceof Map
        ? (resolver as ReadonlyMap<string, string>).get(k)
        : Object.hasOwn(resolver, k)
          ? (resolver as Readonly<Record<string, string>>)[k]
          : undefined;
    if (v !== undefined) return v;
  }
  return undefined;
}

interface Resolution {
  init?: string;
  reason?: string;
}

function resolveModule(index: GraphIndex, mod: LoraModule, options: MergeLoraOptions): Resolution {
  const explicit = resolveExplicit(options.keyMap, mod);
  let reason = 'no initializer matches its name';
  if (explicit !== undefined) {
    if (index.inits.has(explicit)) return { init: explicit };
    reason = `key map names initializer ${explicit}, which the model does not have`;
  }
  if (options.heuristic === false) return { reason: explicit === undefined ? 'not in the key map' : reason };
  const path = norm(mod.kohyaName.replace(/^lora_(?:unet|te\d*)_/, ''));
  for (const key of [path, stripPrefixes(path)]) {
    const cands = index.byName.get(key);
    if (!cands || cands.size === 0) continue;
    if (cands.size === 1) return { init: [...cands][0]! };
    return { reason: `name matches several initializers: ${[...cands].slice(0, 3).join(', ')}` };
  }
  return { reason };
}

/** Float values of an initializer, and how to write them back. */
interface FloatStore {
  values: Float64Array;
  /** Rounds `values` into the tensor; `reuse`: overwrite its raw bytes in place (they are ours). */
  write(t: OnnxTypes.ITensorProto, values: Float64Array, reuse?: boolean): void;
}

function readFloats(t: OnnxTypes.ITensorProto, count: number, what: string): FloatStore {
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const dt = t.dataType ?? 0;
  const width = dt === DT_FLOAT ? 4 : dt === DT_DOUBLE ? 8 : 2;
  const values = new Float64Array(count);
  if (raw) {
    if (raw.length !== count * width)
      throw new LoraMergeError(`${what}: raw_data has ${raw.length} bytes, ${count * width} expected`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) {
      values[i] =
        dt === DT_FLOAT
          ? view.getFloat32(4 * i, true)
          : dt === DT_DOUBLE
            ? view.getFloat64(8 * i, true)
            : dt === DT_FLOAT16
              ? halfToNumber(view.getUint16(2 * i, true))
              : bfloat16ToNumber(view.getUint16(2 * i, true));
    }
    return {
      values,
      write(target, v, reuse = false) {
        const out = reuse ? raw : new Uint8Array(count * width);
        const w = new DataView(out.buffer, out.byteOffset, out.byteLength);
        for (let i = 0; i < count; i++) {
          if (dt === DT_FLOAT) w.setFloat32(4 * i, v[i]!, true);
          else if (dt === DT_DOUBLE) w.setFloat64(8 * i, v[i]!, true);
          else w.setUint16(2 * i, dt === DT_FLOAT16 ? numberToHalf(v[i]!) : numberToBfloat16(v[i]!), true);
        }
        target.rawData = out;
      },
    };
  }
  const field: number[] =
    dt === DT_FLOAT ? (t.floatData ?? []) : dt === DT_DOUBLE ? (t.doubleData ?? []) : (t.int32Data ?? []);
  if (field.length !== count)
    throw new LoraMergeError(`${what}: holds ${field.length} values, ${count} expected`);
  for (let i = 0; i < count; i++) {
    const x = field[i]!;
    values[i] = dt === DT_FLOAT16 ? halfToNumber(x) : dt === DT_BFLOAT16 ? bfloat16ToNumber(x) : x;
  }
  return {
    values,
    write(target, v) {
      if (dt === DT_FLOAT) target.floatData = Array.from(v, (x) => Math.fround(x));
      else if (dt === DT_DOUBLE) target.doubleData = Array.from(v);
      else
        target.int32Data = Array.from(v, (x) => (dt === DT_FLOAT16 ? numberToHalf(x) : numberToBfloat16(x)));
    },
  };
}

/** Adds scale * up @ down into `w`, in the given storage layout. */
function addDelta(
  w: Float64Array,
  mod: LoraModule,
  scale: number,
  out: number,
  k: number,
  layout: Layout,
): void {
  const rank = mod.rank;
  const up = mod.up.data;
  const down = mod.down.data;
  const row = new Float64Array(k);
  for (let o = 0; o < out; o++) {
    row.fill(0);
    for (let r = 0; r < rank; r++) {
      const u = up[o * rank + r]! * scale;
      if (u === 0) continue;
      const base = r * k;
      for (let j = 0; j < k; j++) row[j]! += u * down[base + j]!;
    }
    if (layout === 'out_in') {
      const base = o * k;
      for (let j = 0; j < k; j++) w[base + j]! += row[j]!;
    } else {
      for (let j = 0; j < k; j++) w[j * out + o]! += row[j]!;
    }
  }
}

interface LoraParts {
  target: LoraTarget;
  modules: readonly LoraModule[];
  skipped: { name: string; reason: string; component?: LoraTarget }[];
}

function modulesOf(lora: ParsedLora | readonly LoraModule[]): LoraParts {
  return 'modules' in lora
    ? { target: lora.target, modules: lora.modules, skipped: [...lora.skipped] }
    : { target: lora[0]?.target ?? 'unet', modules: lora, skipped: [] };
}

function decodeModel(modelBytes: Uint8Array): { model: OnnxTypes.ModelProto; index: GraphIndex } {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(modelBytes);
  } catch (e) {
    throw new LoraMergeError(`cannot decode the ONNX model: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!model.graph) throw new LoraMergeError('the ONNX model has no graph');
  return { model, index: indexGraph(model.graph) };
}

interface Plan {
  parts: LoraParts;
  result: Omit<LoraMergeResult, 'model'>;
  /** matched module -> layout. */
  layouts: Map<string, Layout>;
}

/**
 * Resolves and shape-checks every module against the graph. `canRead(init)`: whether the bytes
 * of an external-data initializer can be had (else its module is skipped).
 */
function plan(
  index: GraphIndex,
  lora: ParsedLora | readonly LoraModule[],
  options: MergeLoraOptions,
  canRead: (init: string) => boolean,
): Plan {
  const parts = modulesOf(lora);
  const { modules, skipped } = parts;
  const result: Omit<LoraMergeResult, 'model'> = {
    matched: [],
    unmatched: [],
    skipped: skipped.map((s) => s.name),
    targets: {},
    reasons: Object.fromEntries(skipped.map((s) => [s.name, s.reason])),
  };
  const layouts = new Map<string, Layout>();
  for (const mod of modules) {
    const { init, reason } = resolveModule(index, mod, options);
    if (init === undefined) {
      result.unmatched.push(mod.module);
      result.reasons[mod.module] = reason ?? 'no target';
      continue;
    }
    const t = index.inits.get(init)!;
    if (isExternal(t) && !canRead(init)) {
      result.skipped.push(mod.module);
      result.reasons[mod.module] = `initializer ${init} is stored in external data (not supported yet)`;
      continue;
    }
    if (!FLOAT_TYPES.has(t.dataType ?? 0))
      throw new LoraMergeError(
        `LoRA module ${mod.module}: initializer ${init} has ONNX data type ${t.dataType}, not a float type`,
      );
    const dims = (t.dims ?? []).map(toNum);
    const out = mod.up.shape[0]!;
    const k = prod(mod.down.shape.slice(1));
    const fitsOutIn = dims.length >= 2 && dims[0] === out && prod(dims.slice(1)) === k;
    const fitsInOut = dims.length === 2 && dims[0] === k && dims[1] === out;
    const used = layoutFromUse(index, init);
    let layout: Layout | null = null;
    if (used === 'out_in' ? fitsOutIn : used === 'in_out' ? fitsInOut : false) layout = used;
    else if (used === null) layout = fitsOutIn ? 'out_in' : fitsInOut ? 'in_out' : null;
    if (layout === null) {
      const as = used === 'in_out' ? ' used as [in, out]' : used === 'out_in' ? ' used as [out, in]' : '';
      throw new LoraMergeError(
        `LoRA module ${mod.module}: shape mismatch: delta up ${fmt(mod.up.shape)} @ down ${fmt(mod.down.shape)} ` +
          `is [${out}, ${k}] but the ${loraTargetLabel(parts.target)}'s ` +
          `initializer ${init} is ${fmt(dims)}${as} (a LoRA made for another model, e.g. SD2 or SDXL?)`,
      );
    }
    layouts.set(mod.module, layout);
    result.matched.push(mod.module);
    result.targets[mod.module] = init;
  }
  return { parts, result, layouts };
}

function sampleOf(names: readonly string[], reasons: Readonly<Record<string, string>>): string {
  if (names.length === 0) return 'none';
  const shown = names
    .slice(0, 5)
    .map((n) => `${n} (${reasons[n]})`)
    .join('; ');
  return `${names.length}: ${shown}${names.length > 5 ? `; and ${names.length - 5} more` : ''}`;
}

function noMatchError(p: Plan): LoraMergeError {
  const { result, parts } = p;
  const what = loraTargetLabel(parts.target);
  const other = parts.skipped.filter((s) => s.component !== undefined && s.component !== parts.target);
  const otherNames = new Set(other.map((s) => s.name));
  const skipped = result.skipped.filter((n) => !otherNames.has(n));
  const others =
    other.length > 0
      ? ` (and ${other.length} ${loraTargetLabel(other[0]!.component!)} modules, which are merged into the ${loraTargetLabel(other[0]!.component!)})`
      : '';
  return new LoraMergeError(
    `LoRA matched no weights of the ${what}: 0 of ${parts.modules.length} ${what} modules matched${others}. ` +
      `Unmatched ${sampleOf(result.unmatched, result.reasons)}.` +
      (skipped.length > 0 ? ` Skipped ${sampleOf(skipped, result.reasons)}.` : ''),
  );
}

function withLabel<T>(label: string | undefined, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (label !== undefined && error instanceof LoraMergeError)
      throw new LoraMergeError(`${label}: ${error.message}`);
    throw error;
  }
}

/**
 * Finds each module's target initializer and checks shapes without changing the model
 * (what a UI shows before merging). Throws LoraMergeError on a shape mismatch.
 */
export function resolveLoraTargets(
  modelBytes: Uint8Array,
  lora: ParsedLora | readonly LoraModule[],
  options: MergeLoraOptions = {},
): Omit<LoraMergeResult, 'model'> {
  return withLabel(options.label, () => {
    const { index } = decodeModel(modelBytes);
    return plan(index, lora, options, (init) => options.externalBytes?.has(init) ?? false).result;
  });
}

function strengthZero(lora: ParsedLora | readonly LoraModule[]): Omit<LoraMergeResult, 'model'> {
  const { modules, skipped } = modulesOf(lora);
  return {
    matched: [],
    unmatched: [],
    skipped: [...skipped.map((s) => s.name), ...modules.map((m) => m.module)],
    targets: {},
    reasons: Object.fromEntries([
      ...skipped.map((s) => [s.name, s.reason]),
      ...modules.map((m) => [m.module, 'strength 0']),
    ]),
  };
}

function checkStrength(strength: number): void {
  if (!Number.isFinite(strength))
    throw new LoraMergeError(`LoRA strength must be a finite number, got ${strength}`);
}

/** Where a merged external initializer's bytes went: a file in the folder the session reads external data from. */
export interface ExternalTensorPlace {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * Takes the merged bytes of an external-data initializer and stores them outside the model (e.g. in
 * a scratch file beside links to the model's other external files), so the merged model stays as
 * small as the base and the changed tensors are not held in memory twice.
 */
export type ExternalTensorSink = (initializer: string, bytes: Uint8Array) => Promise<ExternalTensorPlace>;

interface TensorMerge {
  readonly init: string;
  readonly deltas: { mod: LoraModule; scale: number; layout: Layout }[];
}

/** The planned deltas grouped by the initializer they change, in first-use order. */
function mergesByInitializer(plans: readonly { plan: Plan; strength: number }[]): TensorMerge[] {
  const merges = new Map<string, TensorMerge>();
  for (const { plan: p, strength } of plans) {
    const byModule = new Map(p.parts.modules.map((m) => [m.module, m]));
    for (const name of p.result.matched) {
      const mod = byModule.get(name)!;
      const init = p.result.targets[name]!;
      let merge = merges.get(init);
      if (!merge) {
        merge = { init, deltas: [] };
        merges.set(init, merge);
      }
      merge.deltas.push({
        mod,
        scale: (strength * (mod.alpha ?? mod.rank)) / mod.rank,
        layout: p.layouts.get(name)!,
      });
    }
  }
  return [...merges.values()];
}

/** W + every delta for one initializer, summed in float64 and rounded once into the tensor. */
function mergeTensor(t: OnnxTypes.ITensorProto, merge: TensorMerge, reuse: boolean): void {
  const count = prod((t.dims ?? []).map(toNum));
  const store = readFloats(t, count, `initializer ${merge.init}`);
  for (const { mod, scale, layout } of merge.deltas)
    addDelta(store.values, mod, scale, mod.up.shape[0]!, prod(mod.down.shape.slice(1)), layout);
  store.write(t, store.values, reuse);
}

function encodeModel(model: OnnxTypes.ModelProto): Uint8Array {
  const encoded = onnx.ModelProto.encode(model).finish();
  // protobufjs may hand back a Node Buffer; return a plain Uint8Array view either way.
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

/**
 * Adds every planned delta into the initializers (inline ones copied, so the base bytes stay as
 * they were) and encodes. External initializers' bytes come from `external`; they are merged in
 * place and, with `sink`, stored back outside the model one at a time (else inlined).
 */
async function applyPlans(
  model: OnnxTypes.ModelProto,
  index: GraphIndex,
  plans: readonly { plan: Plan; strength: number }[],
  external: (init: string) => Promise<Uint8Array>,
  sink?: ExternalTensorSink,
): Promise<Uint8Array> {
  for (const merge of mergesByInitializer(plans)) {
    const t = index.inits.get(merge.init)!;
    if (!isExternal(t)) {
      mergeTensor(t, merge, false);
      continue;
    }
    const bytes = await external(merge.init);
    inlineExternal(t, bytes, merge.init);
    // The bytes were read for this merge alone: the merged values overwrite them.
    mergeTensor(t, merge, true);
    if (sink) {
      const place = await sink(merge.init, t.rawData!);
      t.rawData = new Uint8Array(0);
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.externalData = [
        onnx.StringStringEntryProto.create({ key: 'location', value: place.location }),
        onnx.StringStringEntryProto.create({ key: 'offset', value: String(place.offset) }),
        onnx.StringStringEntryProto.create({ key: 'length', value: String(place.length) }),
      ];
    }
  }
  return encodeModel(model);
}

/** The same for the synchronous single-LoRA merge: external bytes given up front, always inlined. */
function applyPlansSync(
  model: OnnxTypes.ModelProto,
  index: GraphIndex,
  plans: readonly { plan: Plan; strength: number }[],
  external: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  for (const merge of mergesByInitializer(plans)) {
    const t = index.inits.get(merge.init)!;
    if (isExternal(t)) inlineExternal(t, external.get(merge.init)!, merge.init);
    // Caller-owned bytes (inline data or externalBytes) are never written in place.
    mergeTensor(t, merge, false);
  }
  return encodeModel(model);
}

/**
 * Returns new model bytes with W' = W + strength * (alpha / rank) * up @ down for every matched
 * module (alpha defaults to rank). Strength 0 returns `modelBytes` itself (bit-identical; nothing
 * is decoded or resolved). Throws LoraMergeError when no module matches, on a shape mismatch,
 * or on a non-finite strength.
 */
export function mergeLora(
  modelBytes: Uint8Array,
  lora: ParsedLora | readonly LoraModule[],
  strength: number,
  options: MergeLoraOptions = {},
): LoraMergeResult {
  return withLabel(options.label, () => {
    checkStrength(strength);
    if (strength === 0) return { model: modelBytes, ...strengthZero(lora) };
    const { model, index } = decodeModel(modelBytes);
    const p = plan(index, lora, options, (init) => options.externalBytes?.has(init) ?? false);
    if (p.result.matched.length === 0) throw noMatchError(p);
    const merged = applyPlansSync(model, index, [{ plan: p, strength }], options.externalBytes ?? new Map());
    return { model: merged, ...p.result };
  });
}

/** One LoRA of a stack: its modules (one target), its strength and how to find its targets. */
export interface LoraStackEntry {
  readonly lora: ParsedLora | readonly LoraModule[];
  readonly strength: number;
  readonly keyMap?: LoraKeyResolver;
  readonly heuristic?: boolean;
  /** Names this LoRA at the start of its error messages, e.g. `LoRA "x" (x.safetensors)`. */
  readonly label?: string;
}

export interface LoraStackOptions {
  /**
   * Reads an external-data initializer's bytes (by its location, offset and length); called once
   * per targeted initializer, for those only, as each is merged. The bytes it returns belong to the
   * merge, which overwrites them with the merged values. Without it, targets in external data are
   * skipped.
   */
  readExternal?: (ref: ExternalTensorRef) => Promise<Uint8Array>;
  /**
   * Stores a merged external-data initializer outside the model (see ExternalTensorSink); without
   * it, merged external tensors are inlined into the returned model.
   */
  writeExternal?: ExternalTensorSink;
}

export interface LoraStackResult {
  /** The merged model; `modelBytes` itself when every strength is 0. */
  readonly model: Uint8Array;
  /** What each entry merged, in order (strength-0 entries report every module as skipped). */
  readonly reports: readonly Omit<LoraMergeResult, 'model'>[];
  /** The external-data ranges read, one per changed external initializer. */
  readonly externalRead: readonly ExternalTensorRef[];
}

/**
 * Merges several LoRAs into one model in a single decode / encode: W' = W + sum over entries of
 * s_i * (alpha_i / rank_i) * up_i @ down_i, summed in float64 and rounded once. Entries at strength
 * 0 are left out; when all are, `modelBytes` itself comes back. Each entry that matches no weight
 * fails (LoraMergeError naming its label, the count and the first unmatched modules), as do a
 * shape mismatch and a non-finite strength; nothing is read or encoded before every entry is
 * planned.
 */
export async function mergeLoraStack(
  modelBytes: Uint8Array,
  entries: readonly LoraStackEntry[],
  options: LoraStackOptions = {},
): Promise<LoraStackResult> {
  for (const e of entries) withLabel(e.label, () => checkStrength(e.strength));
  if (entries.every((e) => e.strength === 0))
    return { model: modelBytes, reports: entries.map((e) => strengthZero(e.lora)), externalRead: [] };
  const { model, index } = decodeModel(modelBytes);
  const canRead = () => options.readExternal !== undefined;
  const plans = entries.map((e) =>
    withLabel(e.label, () => {
      if (e.strength === 0) return null;
      const opts: MergeLoraOptions = {};
      if (e.keyMap !== undefined) opts.keyMap = e.keyMap;
      if (e.heuristic !== undefined) opts.heuristic = e.heuristic;
      const p = plan(index, e.lora, opts, canRead);
      if (p.result.matched.length === 0) throw noMatchError(p);
      return { plan: p, strength: e.strength };
    }),
  );
  const active = plans.filter((p): p is { plan: Plan; strength: number } => p !== null);
  const refs = new Map<string, ExternalTensorRef>();
  for (const { plan: p } of active)
    for (const init of Object.values(p.result.targets)) {
      const t = index.inits.get(init)!;
      if (isExternal(t) && !refs.has(init)) refs.set(init, externalRef(t, init));
    }
  // One tensor at a time: read, merge in place, hand to the sink (or inline), then the next.
  const merged = await applyPlans(
    model,
    index,
    active,
    (init) => options.readExternal!(refs.get(init)!),
    options.writeExternal,
  );
  return {
    model: merged,
    reports: plans.map((p, i) => (p === null ? strengthZero(entries[i]!.lora) : p.plan.result)),
    externalRead: [...refs.values()],
  };
}

function externalRef(t: OnnxTypes.ITensorProto, init: string): ExternalTensorRef {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new LoraMergeError(`initializer ${init} is external but names no location`);
  // A model is untrusted input: its external data must lie beside it, never elsewhere.
  if (location.startsWith('/') || /^[A-Za-z]:/.test(location) || location.split(/[\\/]/).includes('..'))
    throw new LoraMergeError(
      `initializer ${init}: external data location "${location}" is outside the model's folder`,
    );
  const offset = Number(entries.get('offset') ?? 0);
  const count = prod((t.dims ?? []).map(toNum));
  const width =
    t.dataType === onnx.TensorProto.DataType.DOUBLE
      ? 8
      : t.dataType === onnx.TensorProto.DataType.FLOAT
        ? 4
        : 2;
  const length = Number(entries.get('length') ?? count * width);
  return { initializer: init, location, offset, length };
}

/** Stores an external initializer's bytes inline (raw_data), so the merged model carries it. */
function inlineExternal(t: OnnxTypes.ITensorProto, bytes: Uint8Array, init: string): void {
  const { length } = externalRef(t, init);
  if (bytes.byteLength !== length)
    throw new LoraMergeError(
      `initializer ${init}: got ${bytes.byteLength} bytes of external data, expected ${length}`,
    );
  t.rawData = bytes;
  t.externalData = [];
  t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
}

/**
 * The external-data initializers a LoRA would change (after target resolution and shape
 * checks), with where their bytes lie, so the caller reads only those ranges.
 */
export function externalLoraTargets(
  modelBytes: Uint8Array,
  lora: ParsedLora | readonly LoraModule[],
  options: MergeLoraOptions = {},
): ExternalTensorRef[] {
  const { modules } = modulesOf(lora);
  const { index } = decodeModel(modelBytes);
  const refs = new Map<string, ExternalTensorRef>();
  for (const mod of modules) {
    const { init } = resolveModule(index, mod, options);
    const t = init === undefined ? undefined : index.inits.get(init);
    if (t && init && isExternal(t) && !refs.has(init)) refs.set(init, externalRef(t, init));
  }
  return [...refs.values()];
}
