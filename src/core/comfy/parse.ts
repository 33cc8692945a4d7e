import { z } from 'zod';
import { type JsonValue, jsonValueSchema } from '../document';
import { jsonDepthOver } from '../json-depth';
import { currentLimits, limitNote } from '../limits';
import type { ValidationIssue } from '../validation-error';
import { COMFY_CLASSES, type ComfyClassInfo, isSupportedClass, nameWidgetValues } from './widgets';

/**
 * ComfyUI's two JSON formats, parsed with zod and normalised into one shape:
 * nodes with named inputs, each a literal value or a link to another node's
 * output slot. Everything here is pure data handling; see `convert.ts` for the
 * mapping onto kosmograph nodes.
 */

export type ComfyInput =
  | { readonly kind: 'link'; readonly node: string; readonly slot: number }
  | { readonly kind: 'value'; readonly value: JsonValue };

export interface ComfyNode {
  readonly id: string;
  readonly classType: string;
  readonly inputs: Readonly<Record<string, ComfyInput>>;
  /** The user's title for the node, when it has one. */
  readonly title?: string;
  /** UI format: the raw `widgets_values`, kept for placeholders whose widget names are unknown. */
  readonly widgetsValues?: JsonValue;
  readonly position?: { readonly x: number; readonly y: number };
}

export interface ComfyNoteBlock {
  readonly id: string;
  readonly text: string;
  readonly position?: { readonly x: number; readonly y: number };
}

export interface ComfyGroupBlock {
  readonly title: string;
  readonly color?: string;
  readonly bounds: {
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  };
}

export interface ComfyWorkflow {
  readonly format: 'api' | 'ui';
  readonly nodes: readonly ComfyNode[];
  readonly notes: readonly ComfyNoteBlock[];
  readonly groups: readonly ComfyGroupBlock[];
  /** Things dropped or guessed while reading (muted nodes, unknown links to them...). */
  readonly warnings: readonly string[];
}

/** Bad ComfyUI input: every problem found, each with a message a user can act on. */
export class ComfyParseError extends Error {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((i) => i.message).join('; '));
    this.name = 'ComfyParseError';
  }
}

const nodeIdSchema = z.union([z.string().min(1), z.number().int()]).transform(String);

// ---------------------------------------------------------------------------------------------
// API format: {"3": {"class_type": "KSampler", "inputs": {"seed": 5, "model": ["4", 0]}}}

const apiNodeSchema = z
  .object({
    class_type: z.string().min(1),
    inputs: z.record(z.string(), jsonValueSchema).optional(),
    _meta: z.object({ title: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export const apiPromptSchema = z.record(z.string(), apiNodeSchema);

const linkValueSchema = z.tuple([nodeIdSchema, z.number().int().min(0)]);

function apiInput(value: JsonValue): ComfyInput {
  const link = linkValueSchema.safeParse(value);
  if (link.success) return { kind: 'link', node: link.data[0], slot: link.data[1] };
  return { kind: 'value', value };
}

function isDefaultTitle(classType: string, title: string): boolean {
  if (title === classType) return true;
  if (!isSupportedClass(classType)) return false;
  const info: ComfyClassInfo = COMFY_CLASSES[classType];
  return info.displayNames?.includes(title) ?? false;
}

type ApiNode = z.infer<typeof apiNodeSchema>;

/**
 * `apiPromptSchema.safeParse` entry by entry: zod's records drop a `__proto__` key (the node id or
 * input name a file may well use), so ids and input names are read as own entries here and only
 * the values go through zod. Returns the entries or the first problem, with its path.
 */
function parseApiEntries(
  prompt: Record<string, unknown>,
): { entries: [string, ApiNode, [string, JsonValue][]][] } | { error: string } {
  const entries: [string, ApiNode, [string, JsonValue][]][] = [];
  for (const [id, raw] of Object.entries(prompt)) {
    const node = apiNodeSchema.safeParse(raw);
    if (!node.success) return { error: `node ${id}: ${zodMessage(node.error)}` };
    const rawInputs = isRecord(raw) ? raw.inputs : undefined;
    const inputs: [string, JsonValue][] = [];
    for (const [name, value] of isRecord(rawInputs) ? Object.entries(rawInputs) : []) {
      const parsed = jsonValueSchema.safeParse(value);
      if (!parsed.success) return { error: `node ${id} input "${name}": ${zodMessage(parsed.error)}` };
      inputs.push([name, parsed.data]);
    }
    entries.push([id, node.data, inputs]);
  }
  return { entries };
}

function parseApi(entries: readonly [string, ApiNode, [string, JsonValue][]][]): ComfyWorkflow {
  const nodes: ComfyNode[] = entries.map(([id, node, inputs]) => ({
    id,
    classType: node.class_type,
    inputs: Object.fromEntries(inputs.map(([name, v]) => [name, apiInput(v)])),
    ...(node._meta?.title !== undefined && !isDefaultTitle(node.class_type, node._meta.title)
      ? { title: node._meta.title }
      : {}),
  }));
  return { format: 'api', nodes, notes: [], groups: [], warnings: [] };
}

// ---------------------------------------------------------------------------------------------
// UI format: {"nodes": [{id, type, inputs, outputs, widgets_values, pos}], "links": [[id, from, fromSlot, to, toSlot, type]]}

const positionSchema = z
  .union([
    z.tuple([z.number(), z.number()]).rest(z.number()),
    z.object({ '0': z.number(), '1': z.number() }).passthrough(),
  ])
  .transform((p) => (Array.isArray(p) ? { x: p[0], y: p[1] } : { x: p['0'], y: p['1'] }));

const uiNodeSchema = z
  .object({
    id: nodeIdSchema,
    type: z.string().min(1),
    pos: positionSchema.optional(),
    title: z.string().optional(),
    mode: z.number().int().optional(),
    inputs: z
      .array(
        z
          .object({
            name: z.string(),
            type: jsonValueSchema.optional(),
            link: z.number().int().nullable().optional(),
            widget: z.object({ name: z.string() }).passthrough().optional(),
          })
          .passthrough(),
      )
      .optional(),
    outputs: z
      .array(z.object({ name: z.string().optional(), type: jsonValueSchema.optional() }).passthrough())
      .nullable()
      .optional(),
    widgets_values: jsonValueSchema.optional(),
    color: z.string().optional(),
  })
  .passthrough();

const uiLinkSchema = z.union([
  z
    .tuple([z.number().int(), nodeIdSchema, z.number().int(), nodeIdSchema, z.number().int()])
    .rest(jsonValueSchema)
    .transform((l) => ({ id: l[0], from: l[1], fromSlot: l[2], to: l[3], toSlot: l[4], type: l[5] })),
  z
    .object({
      id: z.number().int(),
      origin_id: nodeIdSchema,
      origin_slot: z.number().int(),
      target_id: nodeIdSchema,
      target_slot: z.number().int(),
      type: jsonValueSchema.optional(),
    })
    .passthrough()
    .transform((l) => ({
      id: l.id,
      from: l.origin_id,
      fromSlot: l.origin_slot,
      to: l.target_id,
      toSlot: l.target_slot,
      type: l.type,
    })),
]);

export const uiWorkflowSchema = z
  .object({
    nodes: z.array(uiNodeSchema),
    links: z.array(uiLinkSchema.nullable()).optional(),
    groups: z
      .array(
        z
          .object({
            title: z.string().optional(),
            color: z.string().optional(),
            bounding: z.tuple([z.number(), z.number(), z.number(), z.number()]).rest(z.number()),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

type UiNode = z.infer<typeof uiNodeSchema>;
type UiLink = z.output<typeof uiLinkSchema>;

/** UI-only node classes that never reach ComfyUI's backend. */
const NOTE_CLASSES = new Set(['Note', 'MarkdownNote']);
const MODE_MUTED = 2;
const MODE_BYPASSED = 4;

/** `record[key] = value` as an own property even for `__proto__` (a name from the file, not a prototype). */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function describeUi(node: UiNode): string {
  return `ComfyUI node ${node.id} (${node.type})`;
}

function parseUi(workflow: z.infer<typeof uiWorkflowSchema>): ComfyWorkflow {
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  const byId = new Map(workflow.nodes.map((n) => [n.id, n]));
  const links = new Map<number, UiLink>();
  for (const link of workflow.links ?? []) if (link) links.set(link.id, link);

  type Resolved = ComfyInput | { kind: 'none' };
  /**
   * Follows reroutes, primitives and bypassed nodes to the real source of a link. A loop, not
   * recursion: a chain of 20k reroutes must not overflow the stack.
   */
  const resolveLink = (firstLinkId: number, target: UiNode, inputName: string): Resolved => {
    const where = `${describeUi(target)} input "${inputName}"`;
    let linkId = firstLinkId;
    for (let depth = 0; ; depth++) {
      const link = links.get(linkId);
      if (!link) {
        issues.push({
          code: 'dangling_edge',
          message: `${where} uses link ${linkId}, which is not in the workflow`,
        });
        return { kind: 'none' };
      }
      const source = byId.get(link.from);
      if (!source) {
        issues.push({
          code: 'dangling_edge',
          message: `${where} is linked to node ${link.from}, which is not in the workflow`,
        });
        return { kind: 'none' };
      }
      if (depth > workflow.nodes.length) {
        issues.push({
          code: 'cycle',
          message: `${where}: the links loop through reroutes or bypassed nodes`,
        });
        return { kind: 'none' };
      }
      const next = (predicate: (input: NonNullable<UiNode['inputs']>[number]) => boolean) =>
        (source.inputs ?? []).find((i) => i.link != null && predicate(i))?.link ?? undefined;
      if (source.type === 'Reroute') {
        const through = next(() => true);
        if (through === undefined) return { kind: 'none' };
        linkId = through;
        continue;
      }
      if (source.type === 'PrimitiveNode') {
        const values = source.widgets_values;
        if (Array.isArray(values) && values.length > 0) return { kind: 'value', value: values[0]! };
        return { kind: 'none' };
      }
      if (source.mode === MODE_MUTED) {
        warnings.push(`${where}: its source ${describeUi(source)} is muted; the input is left unconnected`);
        return { kind: 'none' };
      }
      if (source.mode === MODE_BYPASSED) {
        // ComfyUI passes a bypassed node's first input of the same type through to the output.
        const through = next((i) => link.type === undefined || i.type === link.type);
        if (through === undefined) {
          warnings.push(`${where}: its source ${describeUi(source)} is bypassed and has nothing to pass on`);
          return { kind: 'none' };
        }
        linkId = through;
        continue;
      }
      return { kind: 'link', node: source.id, slot: link.fromSlot };
    }
  };

  const nodes: ComfyNode[] = [];
  const notes: ComfyNoteBlock[] = [];
  for (const node of workflow.nodes) {
    if (NOTE_CLASSES.has(node.type)) {
      const values = node.widgets_values;
      const text = Array.isArray(values) && typeof values[0] === 'string' ? values[0] : '';
      notes.push({ id: node.id, text, ...(node.pos ? { position: node.pos } : {}) });
      continue;
    }
    if (node.type === 'Reroute' || node.type === 'PrimitiveNode') continue;
    if (node.mode === MODE_MUTED || node.mode === MODE_BYPASSED) {
      warnings.push(`${describeUi(node)} is ${node.mode === MODE_MUTED ? 'muted' : 'bypassed'}; left out`);
      continue;
    }
    const inputs: Record<string, ComfyInput> = {};
    const values = node.widgets_values;
    if (isSupportedClass(node.type) && Array.isArray(values)) {
      const { named } = nameWidgetValues(COMFY_CLASSES[node.type].widgets, values);
      for (const [name, value] of Object.entries(named)) setOwn(inputs, name, { kind: 'value', value });
    }
    for (const input of node.inputs ?? []) {
      if (input.link == null) continue;
      const resolved = resolveLink(input.link, node, input.name);
      if (resolved.kind !== 'none') setOwn(inputs, input.name, resolved);
    }
    nodes.push({
      id: node.id,
      classType: node.type,
      inputs,
      ...(node.title !== undefined && node.title !== node.type ? { title: node.title } : {}),
      ...(!isSupportedClass(node.type) && values !== undefined ? { widgetsValues: values } : {}),
      ...(node.pos ? { position: node.pos } : {}),
    });
  }
  if (issues.length > 0) throw new ComfyParseError(issues);
  const groups: ComfyGroupBlock[] = (workflow.groups ?? []).map((g) => ({
    title: g.title ?? 'Group',
    ...(g.color !== undefined ? { color: g.color } : {}),
    bounds: { x: g.bounding[0], y: g.bounding[1], width: g.bounding[2], height: g.bounding[3] },
  }));
  return { format: 'ui', nodes, notes, groups, warnings };
}

// ---------------------------------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NOT_COMFY =
  'not a ComfyUI workflow: expected an API-format prompt ({"3": {"class_type": "KSampler", "inputs": {...}}}) or a UI-format workflow ({"nodes": [...], "links": [...]})';

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.length > 0 ? `at ${issue.path.map(String).join('.')}: ` : ''}${issue.message}`;
}

/** Parses ComfyUI JSON of either format (or a `{"prompt": {...}}` API request) into a ComfyWorkflow. */
export function parseComfyJson(json: unknown): ComfyWorkflow {
  const fail = (message: string): never => {
    throw new ComfyParseError([{ code: 'invalid_document', message }]);
  };
  if (!isRecord(json)) return fail(NOT_COMFY);
  const limits = currentLimits();
  if (jsonDepthOver(json, limits['json-depth']) !== undefined) {
    return fail(
      `the workflow's JSON is nested more than ${limits['json-depth']} levels deep (${limitNote('json-depth', limits)})`,
    );
  }
  if (json.format === 'kosmograph.graph') {
    return fail('this is a kosmograph graph, not a ComfyUI workflow: open it directly');
  }
  if (Array.isArray(json.nodes)) {
    const parsed = uiWorkflowSchema.safeParse(json);
    if (!parsed.success) return fail(`not a valid ComfyUI UI-format workflow (${zodMessage(parsed.error)})`);
    return checkWorkflow(parseUi(parsed.data));
  }
  const prompt = isRecord(json.prompt) && !('class_type' in json.prompt) ? json.prompt : json;
  const values = Object.values(prompt);
  if (values.length === 0 || !values.every((v) => isRecord(v) && 'class_type' in v)) return fail(NOT_COMFY);
  const parsed = parseApiEntries(prompt);
  if ('error' in parsed) return fail(`not a valid ComfyUI API-format prompt (${parsed.error})`);
  return checkWorkflow(parseApi(parsed.entries));
}

export function describeNode(node: ComfyNode): string {
  return `ComfyUI node ${node.id} (${node.classType})`;
}

/** Links point at existing nodes and outputs, and the nodes form no cycle. */
function checkWorkflow(workflow: ComfyWorkflow): ComfyWorkflow {
  const issues: ValidationIssue[] = [];
  const byId = new Map(workflow.nodes.map((n) => [n.id, n]));
  for (const node of workflow.nodes) {
    for (const [name, input] of Object.entries(node.inputs)) {
      if (input.kind !== 'link') continue;
      const source = byId.get(input.node);
      if (!source) {
        issues.push({
          code: 'dangling_edge',
          message: `${describeNode(node)} input "${name}" is linked to node ${input.node}, which is not in the workflow`,
        });
        continue;
      }
      if (isSupportedClass(source.classType)) {
        const outputs = COMFY_CLASSES[source.classType].outputs;
        if (input.slot >= outputs.length) {
          issues.push({
            code: 'dangling_edge',
            message: `${describeNode(node)} input "${name}" is linked to output ${input.slot} of ${describeNode(source)}, which has ${outputs.length} output${outputs.length === 1 ? '' : 's'}`,
          });
        }
      }
    }
  }
  if (issues.length > 0) throw new ComfyParseError(issues);
  const cyclic = cyclicNodes(workflow.nodes);
  if (cyclic.length > 0) {
    throw new ComfyParseError([
      {
        code: 'cycle',
        message: `the workflow has a cycle through ${cyclic.map((n) => `node ${n.id} (${n.classType})`).join(', ')}`,
      },
    ]);
  }
  return workflow;
}

/**
 * The nodes on a cycle, in document order. Kahn's algorithm forwards removes everything upstream
 * of no cycle; run backwards over what is left, it removes everything only downstream of one.
 * Both passes are linear in nodes and links.
 */
function cyclicNodes(nodes: readonly ComfyNode[]): ComfyNode[] {
  const slot = new Map(nodes.map((n, i) => [n.id, i]));
  const successors: number[][] = nodes.map(() => []);
  const predecessors: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    for (const input of Object.values(node.inputs)) {
      const from = input.kind === 'link' ? slot.get(input.node) : undefined;
      if (from === undefined) continue;
      successors[from]!.push(i);
      predecessors[i]!.push(from);
    }
  });
  const peel = (alive: Uint8Array, into: number[][], out: number[][]) => {
    const degree = Int32Array.from(into, (list) => list.filter((j) => alive[j] === 1).length);
    const ready: number[] = [];
    degree.forEach((d, i) => {
      if (alive[i] === 1 && d === 0) ready.push(i);
    });
    while (ready.length > 0) {
      const i = ready.pop()!;
      alive[i] = 0;
      for (const j of out[i]!) {
        if (alive[j] === 1 && --degree[j]! === 0) ready.push(j);
      }
    }
  };
  const alive = new Uint8Array(nodes.length).fill(1);
  peel(alive, predecessors, successors);
  peel(alive, successors, predecessors);
  return nodes.filter((_, i) => alive[i] === 1);
}
