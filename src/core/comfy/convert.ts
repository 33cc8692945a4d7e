import {
  GRAPH_FORMAT,
  GRAPH_VERSION,
  type GraphDocument,
  type GraphEdge,
  type GraphGroup,
  type GraphLayout,
  type GraphNode,
  type GraphNote,
  graphDocumentSchema,
  type JsonValue,
  type PortRef,
} from '../document';
import { edgesInto, indexGraph } from '../graph-index';
import type { NodeSpec, NodeSpecLookup } from '../node-spec';
import { topologicalOrder } from '../topology';
import { checkParam } from '../validate-params';
import { GraphValidationError } from '../validation-error';
import { type ComfyInput, type ComfyNode, type ComfyWorkflow, describeNode } from './parse';
import { isSupportedClass } from './widgets';

/** Which model pack an import targets, and what that pack holds. */
export interface ComfyImportOptions {
  /** The `models.pack` param every checkpoint becomes: "reference", a folder or a URL. */
  readonly pack: string;
  /** The pack's LoRA names; `lora_name` is matched against them by file name. */
  readonly packLoras: readonly string[];
  /** The pack's ControlNet names; `control_net_name` is matched against them by file name. */
  readonly packControlnets: readonly string[];
  /** The pack's native image size, to warn about latents of another size. */
  readonly imageSize?: number;
  /** Shown as the graph's name (e.g. the file name). */
  readonly name?: string;
  /**
   * Known Stable Diffusion ONNX checkpoint folders: name -> the `models.checkpoint` param (a folder
   * or URL). A checkpoint loader's `ckpt_name` matches a name exactly, or without its extension
   * (`v1-5-pruned-emaonly.safetensors` -> `v1-5-pruned-emaonly`), or without its folders and
   * extension (`SD1.5/v1-5-pruned-emaonly.ckpt`); a matched loader becomes `models.checkpoint`,
   * any other runs as `pack`.
   */
  readonly checkpoints?: Readonly<Record<string, string>>;
  /**
   * Known ControlNet folders (model.onnx + config.json of a ControlNetModel): name -> the
   * `models.controlnet` param `folder`. A ControlNetLoader's `control_net_name` is matched like
   * `ckpt_name` (see matchModelName); a matched loader opens that folder, any other takes the
   * ControlNet from the pack by name.
   */
  readonly controlnets?: Readonly<Record<string, string>>;
  /**
   * Known LoRA `.safetensors` files: name -> the `models.lora_file` param `lora` (a path or URL).
   * A LoraLoader's `lora_name` is matched like `ckpt_name` (see matchModelName); a matched loader
   * becomes `models.lora_file` (U-Net and CLIP, each at its strength), any other takes the LoRA
   * from the pack by name.
   */
  readonly loras?: Readonly<Record<string, string>>;
}

/** The built-in reference pack ("shapes world"): checked against its manifest by a test. */
export const REFERENCE_PACK_IMPORT: ComfyImportOptions = {
  pack: 'reference',
  packLoras: ['pastel'],
  packControlnets: ['canny'],
  imageSize: 128,
};

export interface ComfyConvertedNode {
  readonly comfyId: string;
  readonly classType: string;
  /** The kosmograph nodes it became (a pack LoRA loader becomes two; two text encoders may share one). */
  readonly nodeIds: readonly string[];
}

export interface ComfyPlaceholder {
  readonly comfyId: string;
  readonly classType: string;
  readonly nodeId: string;
}

export interface ComfyImportReport {
  readonly source: 'api' | 'ui';
  readonly converted: readonly ComfyConvertedNode[];
  readonly placeholders: readonly ComfyPlaceholder[];
  /** Everything that was substituted, approximated, clamped or dropped, one line each. */
  readonly warnings: readonly string[];
}

export interface ComfyImportResult {
  readonly graph: GraphDocument;
  readonly report: ComfyImportReport;
}

type Role = 'positive' | 'negative';
type Position = { x: number; y: number };

const PLACEHOLDER_PREFIX = 'comfy.';

/** Samplers and schedulers ComfyUI has under another name that kosmograph runs as an equivalent. */
const SAMPLER_ALIASES: Readonly<Record<string, { to: string; note: string }>> = {
  dpmpp_2m_sde_gpu: { to: 'dpmpp_2m_sde', note: 'the same sampler; kosmograph draws its noise on the CPU' },
};

/** ComfyUI's primitive nodes (comfy_extras/nodes_primitive.py) we import as ours. */
const PRIMITIVE_CLASSES: ReadonlySet<string> = new Set([
  'PrimitiveInt',
  'PrimitiveFloat',
  'PrimitiveString',
  'PrimitiveStringMultiline',
]);
/** Inputs of ComfyUI samplers that take a seed. */
const SEED_INPUTS: ReadonlySet<string> = new Set(['seed', 'noise_seed']);

const MODEL_EXTENSION = /\.(safetensors|ckpt|pt|pth|bin|onnx)$/i;

/** ComfyUI's checkpoint loaders: both give MODEL, CLIP and VAE from `ckpt_name`. */
const CHECKPOINT_LOADERS: ReadonlySet<string> = new Set(['CheckpointLoaderSimple', 'CheckpointLoader']);
const isCheckpointLoader = (node: ComfyNode | undefined): node is ComfyNode =>
  node !== undefined && CHECKPOINT_LOADERS.has(node.classType);

/**
 * What a ComfyUI model name (`ckpt_name`, `control_net_name`, `lora_name`) names in a table of
 * known models: the exact name, else the name without its extension, else without its folders,
 * else without its folders and extension (case-sensitive, own keys only); undefined when none
 * matches.
 */
export function matchModelName(name: string, table: Readonly<Record<string, string>>): string | undefined {
  const bare = name.replace(MODEL_EXTENSION, '');
  const file = (name.split(/[\\/]/).pop() ?? name).trim();
  const base = (bare.split(/[\\/]/).pop() ?? bare).trim();
  for (const key of [name, bare, file, base]) if (key !== '' && Object.hasOwn(table, key)) return table[key];
  return undefined;
}

/** The folder a `ckpt_name` names in a table of checkpoint folders (see matchModelName). */
export function matchCheckpoint(
  ckptName: string,
  checkpoints: Readonly<Record<string, string>>,
): string | undefined {
  return matchModelName(ckptName, checkpoints);
}

/** `models/loras/sub/Pastel.safetensors` -> `pastel`. */
export function modelFileKey(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(MODEL_EXTENSION, '').toLowerCase();
}

/** The schema's bounds on a node type and a port name. */
const MAX_TYPE_CHARS = 128;
const MAX_PORT_CHARS = 128;

/** `comfy.<class_type>`, cut to the schema's 128 characters (the full name stays in the title). */
function placeholderType(classType: string): string {
  return `${PLACEHOLDER_PREFIX}${classType}`.slice(0, MAX_TYPE_CHARS);
}

function sanitizeId(text: string): string {
  return text.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 120);
}

function clampText(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

class Converter {
  private readonly byId: Map<string, ComfyNode>;
  private readonly consumers = new Map<string, { node: ComfyNode; input: string }[]>();
  private readonly roleMemo = new Map<string, Set<Role>>();
  private readonly nodes: GraphNode[] = [];
  private readonly edges: GraphEdge[] = [];
  private readonly positions: Record<string, Position> = {};
  private readonly usedIds = new Set<string>();
  /** The next suffix to try per id base, so many ComfyUI ids that clean to one base stay linear. */
  private readonly nextSuffix = new Map<string, number>();
  /** Our nodes by id (for the merged encoders' second half). */
  private readonly nodeById = new Map<string, GraphNode>();
  /** Layout positions by ComfyUI id, from `layoutFrom` (a PNG's UI workflow). */
  private readonly layoutById: Map<string, ComfyNode> | undefined;
  /** Memo of checkpointOfModel by the ComfyUI id of the node a MODEL input is linked to. */
  private readonly checkpointBehind = new Map<string, ComfyNode | null>();
  private readonly warnings: string[];
  private readonly converted: ComfyConvertedNode[] = [];
  private readonly placeholders: ComfyPlaceholder[] = [];
  /** The main kosmograph node of each ComfyUI node. */
  private readonly main = new Map<string, string>();
  private readonly loraModel = new Map<string, string>();
  /** CLIPTextEncode id -> our encode node, and which of its outputs it is when merged. */
  private readonly encode = new Map<string, { id: string; port?: Role }>();
  /** ControlNetApply id -> our apply node per role. */
  private readonly controlByRole = new Map<string, Map<Role, string>>();
  private fallbackPack: string | undefined;
  /** Our `models.checkpoint` nodes (they have no `pack` output for LoRA and ControlNet loaders). */
  private readonly checkpointNodes = new Set<string>();
  /** Widgets linked to a ComfyUI primitive (e.g. a KSampler's seed): wired to our param in pass 2. */
  private readonly paramWires: { comfyId: string; param: string; source: string }[] = [];

  constructor(
    private readonly workflow: ComfyWorkflow,
    private readonly options: ComfyImportOptions,
    private readonly lookup: NodeSpecLookup,
    private readonly layoutFrom: ComfyWorkflow | undefined,
  ) {
    this.byId = new Map(workflow.nodes.map((n) => [n.id, n]));
    this.layoutById = layoutFrom ? new Map(layoutFrom.nodes.map((n) => [n.id, n])) : undefined;
    this.warnings = [...workflow.warnings];
    for (const node of workflow.nodes) {
      for (const [input, value] of Object.entries(node.inputs)) {
        if (value.kind !== 'link') continue;
        const key = `${value.node}:${value.slot}`;
        const list = this.consumers.get(key) ?? [];
        list.push({ node, input });
        this.consumers.set(key, list);
      }
    }
  }

  run(): ComfyImportResult {
    this.planEncoders();
    for (const node of this.workflow.nodes) this.createNodes(node);
    for (const node of this.workflow.nodes) this.wire(node);
    this.wireParams();
    return { graph: this.document(), report: this.report() };
  }

  // -------------------------------------------------------------------------------------------
  // Small helpers

  private warn(node: ComfyNode | undefined, message: string): void {
    this.warnings.push(node ? `${describeNode(node)}: ${message}` : message);
  }

  private freshId(base: string): string {
    const clean = sanitizeId(base);
    let id = clean;
    let i = this.nextSuffix.get(clean) ?? 2;
    for (; this.usedIds.has(id); i++) id = `${clean}_${i}`;
    this.nextSuffix.set(clean, i);
    this.usedIds.add(id);
    return id;
  }

  private position(node: ComfyNode): Position | undefined {
    const source = this.layoutById?.get(node.id) ?? node;
    return source.position;
  }

  private add(
    type: string,
    base: string,
    params: Record<string, JsonValue>,
    from: ComfyNode,
    extra: { title?: string; offset?: Position } = {},
  ): string {
    const id = this.freshId(base);
    const spec = this.lookup(type);
    const fitted = spec ? this.fitParams(spec, params, from) : params;
    const title = extra.title ?? from.title;
    this.pushNode({
      id,
      type,
      typeVersion: spec?.typeVersion ?? 1,
      ...(title !== undefined ? { title: clampText(title, 256) } : {}),
      params: fitted,
    });
    const pos = this.position(from);
    if (pos) this.positions[id] = { x: pos.x + (extra.offset?.x ?? 0), y: pos.y + (extra.offset?.y ?? 0) };
    return id;
  }

  /** Keeps params that fit the spec; clamps numbers out of range, defaults the rest, and says so. */
  private fitParams(
    spec: NodeSpec,
    params: Record<string, JsonValue>,
    from: ComfyNode,
  ): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(params)) {
      const paramSpec = spec.params.find((p) => p.name === name);
      if (!paramSpec) continue;
      const issue = checkParam(from.id, paramSpec, value);
      if (!issue) {
        out[name] = value;
        continue;
      }
      if (
        issue.code === 'param_out_of_range' &&
        typeof value === 'number' &&
        (paramSpec.kind === 'int' || paramSpec.kind === 'float')
      ) {
        const min = paramSpec.min ?? -Infinity;
        const max = paramSpec.max ?? Infinity;
        let fitted = Math.min(max, Math.max(min, value));
        if (paramSpec.kind === 'int') fitted = Math.round(fitted);
        out[name] = fitted;
        this.warn(from, `${name} ${value} is outside kosmograph's range ${min}..${max}; set to ${fitted}`);
        continue;
      }
      if (paramSpec.kind === 'seed' && typeof value === 'number' && Number.isInteger(value) && value > 0) {
        const fitted = value % 2 ** 53;
        out[name] = fitted;
        this.warn(from, `seed ${value} is larger than kosmograph's largest seed; set to ${fitted}`);
        continue;
      }
      this.warn(from, `${name}: ${issue.message}; using the default ${JSON.stringify(paramSpec.default)}`);
    }
    return out;
  }

  /** A literal input, or undefined (with a warning when it is linked to another node). */
  private literal(node: ComfyNode, name: string): JsonValue | undefined {
    const input = node.inputs[name];
    if (input === undefined) return undefined;
    if (input.kind === 'value') return input.value;
    const source = this.byId.get(input.node);
    this.warn(
      node,
      `"${name}" comes from ${source ? describeNode(source) : `node ${input.node}`}, which kosmograph cannot evaluate; using the default`,
    );
    return undefined;
  }

  private params(node: ComfyNode, mapping: Record<string, string>): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [comfyName, ourName] of Object.entries(mapping)) {
      // A widget fed by a ComfyUI primitive becomes our param fed by a wire from our primitive.
      const link = this.link(node, comfyName);
      const source = link ? this.byId.get(link.node) : undefined;
      if (link && source && PRIMITIVE_CLASSES.has(source.classType)) {
        this.paramWires.push({ comfyId: node.id, param: ourName, source: source.id });
        continue;
      }
      const value = this.literal(node, comfyName);
      if (value !== undefined) out[ourName] = value;
    }
    return out;
  }

  private link(node: ComfyNode, name: string): Extract<ComfyInput, { kind: 'link' }> | undefined {
    const input = node.inputs[name];
    return input?.kind === 'link' ? input : undefined;
  }

  private source(node: ComfyNode, name: string): ComfyNode | undefined {
    const link = this.link(node, name);
    return link ? this.byId.get(link.node) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Conditioning: which role (positive / negative) each CONDITIONING output plays

  private rolesOf(nodeId: string, slot: number): Set<Role> {
    const key = `${nodeId}:${slot}`;
    const memo = this.roleMemo.get(key);
    if (memo) return memo;
    // Depth first with an explicit stack (chains of ControlNetApply nodes can be 20k long): a
    // ControlNetApply's conditioning takes the roles of its own output, so an output's roles are
    // known once those of every ControlNetApply consuming it are.
    const pending: { key: string; expanded: boolean }[] = [{ key, expanded: false }];
    const open = new Set<string>();
    while (pending.length > 0) {
      const top = pending[pending.length - 1]!;
      const consumers = this.consumers.get(top.key) ?? [];
      const through = (c: { node: ComfyNode; input: string }) =>
        c.node.classType === 'ControlNetApply' && c.input === 'conditioning' ? `${c.node.id}:0` : undefined;
      if (!top.expanded) {
        top.expanded = true;
        open.add(top.key);
        for (const consumer of consumers) {
          const next = through(consumer);
          if (next !== undefined && !this.roleMemo.has(next) && !open.has(next))
            pending.push({ key: next, expanded: false });
        }
        continue;
      }
      pending.pop();
      open.delete(top.key);
      if (this.roleMemo.has(top.key)) continue;
      const roles = new Set<Role>();
      for (const consumer of consumers) {
        const next = through(consumer);
        if (next !== undefined) {
          const inner = this.roleMemo.get(next) ?? new Set<Role>();
          if (inner.size === 0) roles.add('positive');
          for (const r of inner) roles.add(r);
        } else {
          roles.add(consumer.input.toLowerCase().includes('negative') ? 'negative' : 'positive');
        }
      }
      this.roleMemo.set(top.key, roles);
    }
    return this.roleMemo.get(key)!;
  }

  /** The CLIPTextEncode at the root of a conditioning input, through ControlNetApply nodes. */
  private textLeaf(node: ComfyNode, name: string): ComfyNode | undefined {
    let current = this.source(node, name);
    // The workflow has no cycles (parse checked), so every walk back ends.
    while (current?.classType === 'ControlNetApply') {
      current = this.source(current, 'conditioning');
    }
    return current?.classType === 'CLIPTextEncode' ? current : undefined;
  }

  /** The ComfyUI output a CLIP input really comes from (pack LoRA loaders pass CLIP through). */
  private clipKey(node: ComfyNode): string | undefined {
    let link = this.link(node, 'clip');
    while (link) {
      const source = this.byId.get(link.node);
      // A pack LoRA passes CLIP through; a LoRA file changes it.
      if (source?.classType !== 'LoraLoader' || link.slot !== 1 || this.loraFile(source) !== undefined)
        return `${link.node}:${link.slot}`;
      link = this.link(source, 'clip');
    }
    return undefined;
  }

  /**
   * ComfyUI encodes the positive and the negative prompt with two CLIPTextEncode
   * nodes; kosmograph's CLIP Text Encode produces both from one node (text +
   * negative). Where a sampler's (or an advanced ControlNet's) positive and
   * negative come from two encoders that play only that role and share a CLIP,
   * they become one node. Any other encoder becomes a node of its own whose text
   * sits in the param of the role it plays (its other output is unused): the
   * embeddings are the same either way, since each text is encoded on its own.
   */
  private planEncoders(): void {
    const only = (node: ComfyNode, role: Role) => {
      const roles = this.rolesOf(node.id, 0);
      return roles.size === 1 && roles.has(role);
    };
    for (const site of this.workflow.nodes) {
      if (site.classType !== 'KSampler' && site.classType !== 'ControlNetApplyAdvanced') continue;
      const p = this.textLeaf(site, 'positive');
      const n = this.textLeaf(site, 'negative');
      if (!p || !n || p === n || this.encode.has(p.id) || this.encode.has(n.id)) continue;
      if (!only(p, 'positive') || !only(n, 'negative') || this.clipKey(p) !== this.clipKey(n)) continue;
      const id = this.freshId(`encode_${p.id}_${n.id}`); // created with the first of the two
      this.encode.set(p.id, { id, port: 'positive' });
      this.encode.set(n.id, { id, port: 'negative' });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pass 1: nodes

  private createNodes(node: ComfyNode): void {
    const ids: string[] = [];
    const record = (id: string) => {
      ids.push(id);
      return id;
    };
    const id = node.id;
    switch (node.classType) {
      case 'CheckpointLoaderSimple':
      case 'CheckpointLoader': {
        const ckpt = this.literal(node, 'ckpt_name');
        const name = typeof ckpt === 'string' ? ckpt : undefined;
        if (node.classType === 'CheckpointLoader' && node.inputs.config_name !== undefined) {
          const config = this.literal(node, 'config_name');
          this.warn(
            node,
            `config_name ${typeof config === 'string' ? `"${config}" ` : ''}is dropped: kosmograph reads the model's configuration from its folder`,
          );
        }
        // The checkpoint's file name is kept in the title.
        const title = name !== undefined ? `Checkpoint: ${name}` : node.title;
        const folder = this.checkpointFolder(node);
        if (folder !== undefined) {
          const ourId = record(
            this.add(
              'models.checkpoint',
              `checkpoint_${id}`,
              { checkpoint: folder },
              node,
              title ? { title } : {},
            ),
          );
          this.checkpointNodes.add(ourId);
          this.main.set(id, ourId);
          this.warn(node, `checkpoint "${name}" runs from the ONNX checkpoint folder "${folder}"`);
          break;
        }
        this.main.set(
          id,
          record(
            this.add('models.pack', `pack_${id}`, { pack: this.options.pack }, node, title ? { title } : {}),
          ),
        );
        const named = name !== undefined ? `"${name}"` : '(unnamed)';
        const table = this.options.checkpoints;
        if (table === undefined) {
          this.warn(node, `checkpoint ${named} runs as model pack "${this.options.pack}"`);
        } else {
          const known = Object.keys(table);
          this.warn(
            node,
            `checkpoint ${named} matches none of the checkpoint folders given (${known.length > 0 ? known.map((k) => `"${k}"`).join(', ') : 'none'}); it runs as model pack "${this.options.pack}"`,
          );
        }
        break;
      }
      case 'LoraLoader': {
        const raw = this.literal(node, 'lora_name');
        const file = this.loraFile(node);
        if (file !== undefined) {
          const params = {
            lora: file,
            ...this.params(node, { strength_model: 'strength_model', strength_clip: 'strength_clip' }),
          };
          const title = `LoRA: ${String(raw)}`;
          this.main.set(id, record(this.add('models.lora_file', `lora_${id}`, params, node, { title })));
          this.warn(node, `LoRA "${String(raw)}" runs from the LoRA file "${file}"`);
          break;
        }
        this.unmatched(node, raw, this.options.loras, 'LoRA', 'LoRA files');
        const name = this.matchModel(node, raw, this.options.packLoras, 'LoRA');
        const strengthClip = this.literal(node, 'strength_clip');
        if (typeof strengthClip === 'number' && strengthClip !== 0) {
          this.warn(
            node,
            `strength_clip ${strengthClip} is dropped: kosmograph applies LoRAs to the U-Net only`,
          );
        }
        const title = typeof raw === 'string' ? `LoRA: ${raw}` : undefined;
        this.loraModel.set(
          id,
          record(
            this.add('models.lora', `lora_model_${id}`, { name }, node, {
              offset: { x: -300, y: 0 },
              ...(title ? { title } : {}),
            }),
          ),
        );
        this.main.set(
          id,
          record(
            this.add(
              'models.apply_lora',
              `lora_${id}`,
              this.params(node, { strength_model: 'strength' }),
              node,
            ),
          ),
        );
        break;
      }
      case 'ControlNetLoader': {
        const raw = this.literal(node, 'control_net_name');
        const title = typeof raw === 'string' ? `ControlNet: ${raw}` : undefined;
        const folder = this.controlnetFolder(node);
        if (folder !== undefined) {
          this.main.set(
            id,
            record(
              this.add(
                'models.controlnet',
                `controlnet_model_${id}`,
                { folder },
                node,
                title ? { title } : {},
              ),
            ),
          );
          this.warn(node, `ControlNet "${String(raw)}" runs from the ControlNet folder "${folder}"`);
          break;
        }
        this.unmatched(node, raw, this.options.controlnets, 'ControlNet', 'ControlNet folders');
        const name = this.matchModel(node, raw, this.options.packControlnets, 'ControlNet');
        this.main.set(
          id,
          record(
            this.add('models.controlnet', `controlnet_model_${id}`, { name }, node, title ? { title } : {}),
          ),
        );
        break;
      }
      case 'CLIPTextEncode': {
        const text = this.literal(node, 'text');
        const merged = this.encode.get(id);
        if (merged) {
          if (this.nodeById.has(merged.id)) {
            ids.push(merged.id);
            this.setEncodeParam(merged.id, merged.port === 'negative' ? 'negative' : 'text', text);
            break;
          }
          const nodeId = merged.id;
          const params: Record<string, JsonValue> = { text: '', negative: '' };
          if (typeof text === 'string') params[merged.port === 'negative' ? 'negative' : 'text'] = text;
          this.pushRaw('conditioning.clip_text_encode', nodeId, params, node);
          ids.push(nodeId);
          break;
        }
        const roles = this.rolesOf(id, 0);
        const str = typeof text === 'string' ? text : '';
        const params = {
          text: roles.has('positive') || roles.size === 0 ? str : '',
          negative: roles.has('negative') ? str : '',
        };
        const ourId = record(this.add('conditioning.clip_text_encode', `encode_${id}`, params, node));
        this.encode.set(id, { id: ourId });
        break;
      }
      case 'EmptyLatentImage': {
        const params = this.params(node, { width: 'width', height: 'height', batch_size: 'batch_size' });
        const size = this.options.imageSize;
        // A checkpoint folder has its own native size, which only its files tell.
        const sampler = (this.consumers.get(`${id}:0`) ?? []).find((c) => c.node.classType === 'KSampler');
        const loader = sampler ? this.checkpointOfModel(sampler.node, 'model') : undefined;
        const fromFolder = loader !== undefined && this.checkpointFolder(loader) !== undefined;
        if (size !== undefined && !fromFolder && (params.width !== size || params.height !== size)) {
          this.warn(
            node,
            `${String(params.width)}x${String(params.height)} latents: pack "${this.options.pack}" draws ${size}x${size} images`,
          );
        }
        this.main.set(id, record(this.add('latent.empty', `latent_${id}`, params, node)));
        break;
      }
      case 'PrimitiveInt': {
        // An Int that only feeds seeds is a Primitive Seed: batches and seed modes move it.
        const consumers = this.consumers.get(`${id}:0`) ?? [];
        const seeds = consumers.length > 0 && consumers.every((c) => SEED_INPUTS.has(c.input));
        const value = this.literal(node, 'value');
        const params: Record<string, JsonValue> =
          value === undefined ? {} : { [seeds ? 'seed' : 'value']: value };
        const type = seeds ? 'primitive.seed' : 'primitive.int';
        this.main.set(id, record(this.add(type, `${seeds ? 'seed' : 'int'}_${id}`, params, node)));
        break;
      }
      case 'PrimitiveFloat':
      case 'PrimitiveString':
      case 'PrimitiveStringMultiline': {
        const value = this.literal(node, 'value');
        const type = node.classType === 'PrimitiveFloat' ? 'primitive.float' : 'primitive.string';
        const params: Record<string, JsonValue> = value === undefined ? {} : { value };
        this.main.set(id, record(this.add(type, `${type.slice('primitive.'.length)}_${id}`, params, node)));
        break;
      }
      case 'KSampler':
        this.main.set(
          id,
          record(this.add('sampling.sampler', `sampler_${id}`, this.samplerParams(node), node)),
        );
        break;
      case 'VAEDecode':
        this.main.set(id, record(this.add('latent.vae_decode', `decode_${id}`, {}, node)));
        break;
      case 'VAEEncode':
        this.main.set(id, record(this.add('latent.vae_encode', `vae_encode_${id}`, {}, node)));
        break;
      case 'SaveImage': {
        const prefix = this.literal(node, 'filename_prefix');
        const params: Record<string, JsonValue> = {};
        if (typeof prefix === 'string') {
          const clean =
            prefix
              .replace(/[^A-Za-z0-9_.-]/g, '_')
              .replace(/^\.+/, '')
              .slice(0, 100) || 'ComfyUI';
          if (clean !== prefix) this.warn(node, `filename_prefix "${prefix}" becomes "${clean}"`);
          params.filename_prefix = clean;
        }
        this.main.set(id, record(this.add('image.save', `save_${id}`, params, node)));
        break;
      }
      case 'PreviewImage':
        this.main.set(id, record(this.add('image.preview', `preview_${id}`, {}, node)));
        break;
      case 'LoadImage': {
        const image = this.literal(node, 'image');
        const params: Record<string, JsonValue> = {};
        if (typeof image === 'string') {
          params.image = image.replace(/\s*\[(input|output|temp)\]$/, '');
          this.warn(
            node,
            `image "${params.image}" is a file in ComfyUI's input folder; point the node at it (kosmograph run --input ${sanitizeId(`image_${id}`)}=FILE)`,
          );
        }
        this.main.set(id, record(this.add('image.load', `image_${id}`, params, node)));
        break;
      }
      case 'Canny': {
        const params: Record<string, JsonValue> = {};
        for (const name of ['low_threshold', 'high_threshold']) {
          const value = this.literal(node, name);
          // ComfyUI's thresholds are fractions of 1; kosmograph's are 0..255.
          if (typeof value === 'number') params[name] = Math.round(value * 255);
        }
        this.main.set(id, record(this.add('image.canny', `canny_${id}`, params, node)));
        break;
      }
      case 'ControlNetApply': {
        const roles = [...this.rolesOf(id, 0)];
        if (roles.length === 0) roles.push('positive');
        const byRole = new Map<Role, string>();
        const params = { ...this.params(node, { strength: 'strength' }), start: 0, end: 1 };
        roles.forEach((role, i) => {
          const base = i === 0 ? `controlnet_${id}` : `controlnet_${id}_${role}`;
          byRole.set(
            role,
            record(
              this.add('conditioning.apply_controlnet', base, params, node, { offset: { x: 0, y: i * 200 } }),
            ),
          );
        });
        this.controlByRole.set(id, byRole);
        this.main.set(id, byRole.values().next().value!);
        break;
      }
      case 'ControlNetApplyAdvanced': {
        const params = this.params(node, {
          strength: 'strength',
          start_percent: 'start',
          end_percent: 'end',
        });
        this.main.set(
          id,
          record(this.add('conditioning.apply_controlnet', `controlnet_${id}`, params, node)),
        );
        break;
      }
      default: {
        const params: Record<string, JsonValue> = {};
        for (const [name, input] of Object.entries(node.inputs)) {
          if (input.kind !== 'value') continue;
          if (name === '__proto__')
            this.warn(node, 'its input "__proto__" cannot be kept as a param; dropped');
          else params[name] = input.value;
        }
        if (node.widgetsValues !== undefined) params.widgets_values = node.widgetsValues;
        const type = placeholderType(node.classType);
        if (type.length < PLACEHOLDER_PREFIX.length + node.classType.length) {
          this.warn(node, `its class name is cut to ${MAX_TYPE_CHARS} characters in the placeholder's type`);
        }
        const nodeId = this.add(type, `comfy_${id}`, params, node, {
          title: node.title ?? node.classType,
        });
        this.main.set(id, nodeId);
        this.placeholders.push({ comfyId: id, classType: node.classType, nodeId });
        this.warn(
          node,
          `not supported by kosmograph; kept as placeholder node "${nodeId}" (the graph will not run until it is replaced)`,
        );
        return;
      }
    }
    this.converted.push({ comfyId: id, classType: node.classType, nodeIds: ids });
  }

  private pushNode(node: GraphNode): void {
    this.nodes.push(node);
    this.nodeById.set(node.id, node);
  }

  /** For the merged encoder: adds a node whose id was reserved by planEncoders. */
  private pushRaw(type: string, id: string, params: Record<string, JsonValue>, from: ComfyNode): void {
    const spec = this.lookup(type);
    this.pushNode({
      id,
      type,
      typeVersion: spec?.typeVersion ?? 1,
      ...(from.title !== undefined ? { title: clampText(from.title, 256) } : {}),
      params,
    });
    const pos = this.position(from);
    if (pos) this.positions[id] = pos;
  }

  private setEncodeParam(id: string, param: 'text' | 'negative', value: JsonValue | undefined): void {
    const node = this.nodeById.get(id);
    if (node && typeof value === 'string') node.params[param] = value;
  }

  /** Says that a model name matches none of a table given (a table that is not given says nothing). */
  private unmatched(
    node: ComfyNode,
    raw: JsonValue | undefined,
    table: Readonly<Record<string, string>> | undefined,
    what: string,
    tableName: string,
  ): void {
    if (table === undefined || typeof raw !== 'string') return;
    const known = Object.keys(table);
    this.warn(
      node,
      `${what} "${raw}" matches none of the ${tableName} given (${known.length > 0 ? known.map((k) => `"${k}"`).join(', ') : 'none'}); it is looked up in model pack "${this.options.pack}"`,
    );
  }

  private matchModel(
    node: ComfyNode,
    raw: JsonValue | undefined,
    available: readonly string[],
    what: string,
  ): string {
    if (typeof raw !== 'string') {
      this.warn(node, `no ${what} name; using "${available[0] ?? ''}"`);
      return available[0] ?? '';
    }
    const key = modelFileKey(raw);
    const found = available.find((name) => modelFileKey(name) === key);
    if (found !== undefined) return found;
    // `control_v11p_sd15_canny.pth` -> "canny": one pack model named by a word of the file name.
    const words = new Set(key.split(/[^a-z0-9]+/));
    const byWord = available.filter((name) => words.has(modelFileKey(name)));
    if (byWord.length === 1) {
      this.warn(node, `${what} "${raw}" matched to the pack's "${byWord[0]}" by a word of its file name`);
      return byWord[0]!;
    }
    this.warn(
      node,
      `${what} "${raw}" is not in pack "${this.options.pack}" (it has ${available.length > 0 ? available.map((a) => `"${a}"`).join(', ') : 'none'}); the node keeps the name "${key}" and will fail until you pick one`,
    );
    return key;
  }

  private samplerParams(node: ComfyNode): Record<string, JsonValue> {
    const params = this.params(node, { seed: 'seed', steps: 'steps', cfg: 'cfg', denoise: 'denoise' });
    const spec = this.lookup('sampling.sampler');
    const options = (name: string) => {
      const p = spec?.params.find((q) => q.name === name);
      return p?.kind === 'enum' ? { options: p.options, fallback: p.default } : { options: [], fallback: '' };
    };
    const pick = (comfyName: string, ourName: string, aliases: typeof SAMPLER_ALIASES) => {
      const value = this.literal(node, comfyName);
      if (typeof value !== 'string') return;
      const { options: known, fallback } = options(ourName);
      if (known.includes(value)) {
        params[ourName] = value;
        return;
      }
      const alias = aliases[value];
      if (alias && known.includes(alias.to)) {
        params[ourName] = alias.to;
        this.warn(node, `${comfyName} "${value}" runs as "${alias.to}" (${alias.note})`);
        return;
      }
      params[ourName] = fallback;
      this.warn(
        node,
        `${comfyName} "${value}" is not available in kosmograph (it has ${known.join(', ')}); using "${fallback}"`,
      );
    };
    pick('sampler_name', 'sampler', SAMPLER_ALIASES);
    pick('scheduler', 'scheduler', {});
    return params;
  }

  // -------------------------------------------------------------------------------------------
  // Pass 2: edges

  /** The params fed by ComfyUI primitives, wired from the primitives they became. */
  private wireParams(): void {
    for (const { comfyId, param, source } of this.paramWires) {
      const to = this.main.get(comfyId);
      const from = this.main.get(source);
      const type = from === undefined ? undefined : this.nodeById.get(from)?.type;
      const port = type === undefined ? undefined : this.lookup(type)?.outputs[0]?.name;
      if (to !== undefined && from !== undefined && port !== undefined)
        this.connect({ node: from, port }, to, param);
    }
  }

  private connect(from: PortRef | undefined, toNode: string, toPort: string): void {
    if (!from) return;
    this.edges.push({ from, to: { node: toNode, port: toPort } });
  }

  /** The kosmograph output a ComfyUI input is linked to, or undefined (with a warning where data is lost). */
  private resolve(target: ComfyNode, name: string, role: Role = 'positive'): PortRef | undefined {
    let link = this.link(target, name);
    if (!link) return undefined;
    let source = this.byId.get(link.node)!;
    // A pack LoRA passes CLIP through: walk such chains in a loop (they can be 20k long).
    while (source.classType === 'LoraLoader' && link.slot !== 0 && this.loraFile(source) === undefined) {
      link = this.link(source, 'clip');
      if (!link) return undefined;
      source = this.byId.get(link.node)!;
    }
    const sid = source.id;
    const main = this.main.get(sid);
    const port = (node: string | undefined, p: string): PortRef | undefined =>
      node !== undefined ? { node, port: p } : undefined;
    switch (source.classType) {
      case 'CheckpointLoaderSimple':
      case 'CheckpointLoader':
        return port(main, ['unet', 'clip', 'vae'][link.slot]!);
      case 'LoraLoader':
        if (link.slot === 0) return port(main, 'unet');
        return port(main, 'clip'); // a LoRA file's CLIP (pack LoRAs were walked through above)
      case 'CLIPTextEncode': {
        const encoder = this.encode.get(sid);
        if (!encoder) return undefined;
        if (encoder.port) return port(encoder.id, encoder.port);
        const roles = this.rolesOf(sid, 0);
        return port(encoder.id, roles.has(role) ? role : roles.has('positive') ? 'positive' : 'negative');
      }
      case 'ControlNetApply': {
        const byRole = this.controlByRole.get(sid);
        if (!byRole || byRole.size === 0) return undefined;
        const ours: Role = byRole.has(role) ? role : byRole.keys().next().value!;
        return port(byRole.get(ours), ours);
      }
      case 'ControlNetApplyAdvanced':
        return port(main, link.slot === 0 ? 'positive' : 'negative');
      case 'LoadImage':
        if (link.slot === 1) {
          this.warn(
            target,
            `"${name}" uses ${describeNode(source)}'s MASK, which kosmograph does not load; left unconnected`,
          );
          return undefined;
        }
        return port(main, 'image');
      case 'EmptyLatentImage':
      case 'KSampler':
      case 'VAEEncode':
        return port(main, 'latent');
      case 'VAEDecode':
      case 'Canny':
        return port(main, 'image');
      case 'ControlNetLoader':
        return port(main, 'controlnet');
      default:
        return port(main, `output_${link.slot}`);
    }
  }

  /** The checkpoint folder a checkpoint loader's `ckpt_name` names in `options.checkpoints`. */
  private checkpointFolder(node: ComfyNode): string | undefined {
    return this.tableEntry(node, 'ckpt_name', this.options.checkpoints);
  }

  /** A literal model name of a loader looked up in a table of the options. */
  private tableEntry(
    node: ComfyNode,
    input: string,
    table: Readonly<Record<string, string>> | undefined,
  ): string | undefined {
    const value = node.inputs[input];
    if (table === undefined || value?.kind !== 'value' || typeof value.value !== 'string') return undefined;
    return matchModelName(value.value, table);
  }

  /** The LoRA file a LoraLoader's `lora_name` names in `options.loras`. */
  private loraFile(node: ComfyNode): string | undefined {
    return this.tableEntry(node, 'lora_name', this.options.loras);
  }

  /** The ControlNet folder a ControlNetLoader's `control_net_name` names in `options.controlnets`. */
  private controlnetFolder(node: ComfyNode): string | undefined {
    return this.tableEntry(node, 'control_net_name', this.options.controlnets);
  }

  /** The ComfyUI checkpoint loader behind a MODEL input (through LoRA loaders), memoised per source. */
  private checkpointOfModel(node: ComfyNode, name: string): ComfyNode | undefined {
    const first = this.source(node, name);
    const chain: ComfyNode[] = [];
    let source = first;
    let found: ComfyNode | null | undefined;
    while (source !== undefined) {
      found = this.checkpointBehind.get(source.id);
      if (found !== undefined) break;
      if (source.classType !== 'LoraLoader') {
        found = isCheckpointLoader(source) ? source : null;
        break;
      }
      chain.push(source);
      source = this.source(source, 'model');
    }
    const result = found ?? null;
    for (const lora of chain) this.checkpointBehind.set(lora.id, result);
    if (first !== undefined) this.checkpointBehind.set(first.id, result);
    return result ?? undefined;
  }

  /** Our model node (pack or checkpoint) behind a MODEL input. */
  private modelsOfModel(node: ComfyNode, name: string): string | undefined {
    const loader = this.checkpointOfModel(node, name);
    return loader ? this.main.get(loader.id) : undefined;
  }

  /** The `models.pack` node behind a MODEL input, where the checkpoint runs as a pack. */
  private packOfModel(node: ComfyNode, name: string): string | undefined {
    const id = this.modelsOfModel(node, name);
    return id !== undefined && !this.checkpointNodes.has(id) ? id : undefined;
  }

  private loaders: ComfyNode[] | undefined;
  private asPack: string | undefined;
  private asPackKnown = false;

  private firstCheckpointLoader(): ComfyNode | undefined {
    this.loaders ??= this.workflow.nodes.filter(isCheckpointLoader);
    return this.loaders[0];
  }

  /** The first checkpoint's model node (pack or checkpoint folder), else the fallback pack: for VAEs. */
  private defaultModels(): string {
    const first = this.firstCheckpointLoader();
    return (first ? this.main.get(first.id) : undefined) ?? this.defaultPack();
  }

  /** A `models.pack` node for LoRA and ControlNet loaders: the first checkpoint run as a pack, else a new one. */
  private defaultPack(): string {
    this.loaders ??= this.workflow.nodes.filter(isCheckpointLoader);
    const loaders = this.loaders;
    if (!this.asPackKnown) {
      this.asPackKnown = true;
      this.asPack = loaders
        .map((n) => this.main.get(n.id))
        .find((id) => id !== undefined && !this.checkpointNodes.has(id));
    }
    if (this.asPack !== undefined) return this.asPack;
    if (!this.fallbackPack) {
      this.fallbackPack = this.freshId('pack');
      const spec = this.lookup('models.pack');
      this.pushNode({
        id: this.fallbackPack,
        type: 'models.pack',
        typeVersion: spec?.typeVersion ?? 1,
        params: { pack: this.options.pack },
      });
      this.warn(
        undefined,
        loaders.length === 0
          ? `the workflow loads no checkpoint; added model pack "${this.options.pack}" as "${this.fallbackPack}"`
          : `LoRAs and ControlNets come from a model pack (checkpoint folders hold none); added model pack "${this.options.pack}" as "${this.fallbackPack}"`,
      );
    }
    return this.fallbackPack;
  }

  private wire(node: ComfyNode): void {
    const id = this.main.get(node.id);
    if (id === undefined && node.classType !== 'CLIPTextEncode') return;
    switch (node.classType) {
      case 'LoraLoader': {
        if (this.loraFile(node) !== undefined) {
          this.connect(this.resolve(node, 'model'), id!, 'unet');
          this.connect(this.resolve(node, 'clip'), id!, 'clip');
          break;
        }
        const model = this.loraModel.get(node.id)!;
        this.connect(
          { node: this.packOfModel(node, 'model') ?? this.defaultPack(), port: 'pack' },
          model,
          'pack',
        );
        this.connect({ node: model, port: 'lora' }, id!, 'lora');
        this.connect(this.resolve(node, 'model'), id!, 'unet');
        break;
      }
      case 'ControlNetLoader':
        // A ControlNet folder needs no pack.
        if (this.controlnetFolder(node) === undefined)
          this.connect({ node: this.defaultPack(), port: 'pack' }, id!, 'pack');
        break;
      case 'CLIPTextEncode': {
        const encoder = this.encode.get(node.id);
        // A merged encoder is wired once, from its positive half (both share one CLIP).
        if (encoder && encoder.port !== 'negative')
          this.connect(this.resolve(node, 'clip'), encoder.id, 'clip');
        break;
      }
      case 'EmptyLatentImage': {
        const sampler = (this.consumers.get(`${node.id}:0`) ?? []).find(
          (c) => c.node.classType === 'KSampler',
        );
        const models = (sampler && this.modelsOfModel(sampler.node, 'model')) ?? this.defaultModels();
        this.connect({ node: models, port: 'vae' }, id!, 'vae');
        break;
      }
      case 'KSampler':
        this.connect(this.resolve(node, 'model'), id!, 'unet');
        this.connect(this.resolve(node, 'positive', 'positive'), id!, 'positive');
        this.connect(this.resolve(node, 'negative', 'negative'), id!, 'negative');
        this.connect(this.resolve(node, 'latent_image'), id!, 'latent');
        break;
      case 'VAEDecode':
        this.connect(this.resolve(node, 'samples'), id!, 'latent');
        this.connect(this.resolve(node, 'vae'), id!, 'vae');
        break;
      case 'VAEEncode':
        this.connect(this.resolve(node, 'pixels'), id!, 'image');
        this.connect(this.resolve(node, 'vae'), id!, 'vae');
        break;
      case 'SaveImage':
      case 'PreviewImage':
        this.connect(this.resolve(node, 'images'), id!, 'image');
        break;
      case 'Canny':
        this.connect(this.resolve(node, 'image'), id!, 'image');
        break;
      case 'ControlNetApply':
        for (const [role, ourId] of this.controlByRole.get(node.id) ?? []) {
          // ComfyUI's old apply node hints one conditioning; the other port carries the same
          // stream and its output stays unused, so the other role is untouched.
          const stream = this.resolve(node, 'conditioning', role);
          this.connect(stream, ourId, 'positive');
          this.connect(stream, ourId, 'negative');
          this.connect(this.resolve(node, 'control_net'), ourId, 'controlnet');
          this.connect(this.resolve(node, 'image'), ourId, 'image');
        }
        break;
      case 'ControlNetApplyAdvanced':
        this.connect(this.resolve(node, 'positive', 'positive'), id!, 'positive');
        this.connect(this.resolve(node, 'negative', 'negative'), id!, 'negative');
        this.connect(this.resolve(node, 'control_net'), id!, 'controlnet');
        this.connect(this.resolve(node, 'image'), id!, 'image');
        if (this.link(node, 'vae'))
          this.warn(node, 'its optional vae input is not needed by kosmograph; dropped');
        break;
      case 'CheckpointLoaderSimple':
      case 'CheckpointLoader':
        break;
      default:
        if (isSupportedClass(node.classType)) break;
        for (const [name, input] of Object.entries(node.inputs)) {
          if (input.kind !== 'link') continue;
          if (name.length < 1 || name.length > MAX_PORT_CHARS) {
            this.warn(
              node,
              `its input named ${JSON.stringify(name.slice(0, 40))}${name.length > 40 ? '...' : ''} cannot be a port name (1-${MAX_PORT_CHARS} characters); left unconnected`,
            );
            continue;
          }
          const role: Role = name.toLowerCase().includes('negative') ? 'negative' : 'positive';
          this.connect(this.resolve(node, name, role), id!, name);
        }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Output

  private document(): GraphDocument {
    const layoutSource = this.layoutFrom ?? this.workflow;
    const notes: GraphNote[] = layoutSource.notes.map((n) => ({
      id: this.freshId(`note_${n.id}`),
      text: clampText(n.text, 100_000),
    }));
    const layout: GraphLayout = { nodes: { ...this.positions } };
    if (Object.keys(this.positions).length === 0) layout.nodes = layeredLayout(this.nodes, this.edges);
    const notePositions: Record<string, Position> = {};
    layoutSource.notes.forEach((n, i) => {
      if (n.position) notePositions[notes[i]!.id] = n.position;
    });
    if (Object.keys(notePositions).length > 0) layout.notes = notePositions;
    const groups: GraphGroup[] = [];
    const groupLayout: NonNullable<GraphLayout['groups']> = {};
    for (const group of layoutSource.groups) {
      const { x, y, width, height } = group.bounds;
      const nodeIds = Object.entries(layout.nodes)
        .filter(([, p]) => p.x >= x && p.x <= x + width && p.y >= y && p.y <= y + height)
        .map(([nodeId]) => nodeId);
      const id = this.freshId(`group_${groups.length + 1}`);
      groups.push({
        id,
        title: clampText(group.title, 256),
        nodeIds,
        ...(group.color ? { color: group.color.slice(0, 64) } : {}),
      });
      groupLayout[id] = { x, y, width, height };
    }
    if (groups.length > 0) layout.groups = groupLayout;
    const source = this.workflow.format === 'api' ? 'API-format prompt' : 'UI-format workflow';
    const graph: GraphDocument = {
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      meta: {
        name: clampText(this.options.name ?? 'Imported ComfyUI workflow', 256),
        description: `Converted from a ComfyUI ${source} (${this.converted.length} nodes converted, ${this.placeholders.length} kept as placeholders).`,
      },
      nodes: this.nodes,
      edges: this.edges,
      ...(groups.length > 0 ? { groups } : {}),
      ...(notes.length > 0 ? { notes } : {}),
      layout,
    };
    const checked = graphDocumentSchema.safeParse(graph);
    if (!checked.success) {
      // Everything a file can hold is mapped to valid names above; should something slip through,
      // the user still gets an error naming where, not an internal error.
      const issue = checked.error.issues[0];
      throw new GraphValidationError([
        {
          code: 'invalid_document',
          message: `the workflow cannot be converted: the result is invalid at ${issue?.path.map(String).join('.') ?? '?'}: ${issue?.message ?? ''}`,
        },
      ]);
    }
    return checked.data;
  }

  private report(): ComfyImportReport {
    return {
      source: this.workflow.format,
      converted: this.converted,
      placeholders: this.placeholders,
      warnings: this.warnings,
    };
  }
}

/**
 * Columns by longest path from the sources, rows in document order: a readable first layout.
 * One Kahn pass (linear; the converted graph has no cycle, and nodes on one would stay in column 0).
 */
function layeredLayout(nodes: GraphNode[], edges: GraphEdge[]): Record<string, Position> {
  const index = indexGraph({ nodes, edges });
  const { order } = topologicalOrder(
    nodes.map((n) => n.id),
    index,
  );
  const depth = new Map<string, number>();
  for (const id of order) {
    let column = 0;
    for (const p of edgesInto(index, id)) {
      column = Math.max(column, (depth.get(edges[p]!.from.node) ?? 0) + 1);
    }
    depth.set(id, column);
  }
  const rows = new Map<number, number>();
  const out: Record<string, Position> = {};
  for (const node of nodes) {
    const column = depth.get(node.id) ?? 0;
    const row = rows.get(column) ?? 0;
    rows.set(column, row + 1);
    out[node.id] = { x: column * 320, y: row * 220 };
  }
  return out;
}

/** Converts a parsed ComfyUI workflow; `layoutFrom` supplies positions, notes and groups (a PNG's UI workflow). */
export function convertComfyWorkflow(
  workflow: ComfyWorkflow,
  options: ComfyImportOptions,
  lookup: NodeSpecLookup,
  layoutFrom?: ComfyWorkflow,
): ComfyImportResult {
  return new Converter(workflow, options, lookup, layoutFrom).run();
}

/** Whether a node is a placeholder made by the ComfyUI import. */
export function isComfyPlaceholder(node: Pick<GraphNode, 'type'>): boolean {
  return node.type.startsWith(PLACEHOLDER_PREFIX);
}
