import type { JsonValue } from './document';
import type { ResourceLimits } from './limits';
import type { SocketType } from './socket-types';
import type { ValidationIssue } from './validation-error';

/**
 * A node kind as data: ports, params and versioning. The executable part
 * (`NodeDefinition`) extends this with `execute`; everything the validator,
 * the editor and `kosmograph nodes --json` need lives here and is plain data.
 */
export interface PortSpec {
  readonly name: string;
  readonly type: SocketType;
  readonly label?: string;
  /** Optional inputs may stay unconnected. Outputs ignore this. */
  readonly optional?: boolean;
  readonly description?: string;
}

interface ParamBase {
  readonly name: string;
  readonly label?: string;
  readonly description?: string;
}

export interface IntParamSpec extends ParamBase {
  readonly kind: 'int';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
}
export interface FloatParamSpec extends ParamBase {
  readonly kind: 'float';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly step?: number;
}
export interface EnumParamSpec extends ParamBase {
  readonly kind: 'enum';
  readonly default: string;
  readonly options: readonly string[];
}
export interface StringParamSpec extends ParamBase {
  readonly kind: 'string';
  readonly default: string;
  readonly multiline?: boolean;
  /** Interleaved prompts highlight and count `<i>` markers. */
  readonly interleaved?: boolean;
}
export interface BooleanParamSpec extends ParamBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}
/** A seed: a non-negative safe integer; the editor adds fixed/random/increment. */
export interface SeedParamSpec extends ParamBase {
  readonly kind: 'seed';
  readonly default: number;
}
/** An image source: a path (headless), an http(s) URL, or a data: URL. */
export interface ImageSourceParamSpec extends ParamBase {
  readonly kind: 'image';
  readonly default: string;
}

export type ParamSpec =
  | IntParamSpec
  | FloatParamSpec
  | EnumParamSpec
  | StringParamSpec
  | BooleanParamSpec
  | SeedParamSpec
  | ImageSourceParamSpec;

export type ParamValues = Readonly<Record<string, JsonValue>>;

/** Upgrades a node's params from `typeVersion - 1` (the key) to the key's successor. */
export type ParamMigration = (params: Record<string, JsonValue>) => Record<string, JsonValue>;

/** What a node's own static rule sees: its params (defaults filled in) and which inputs are wired. */
export interface StaticCheckContext {
  readonly nodeId: string;
  /** Every param of the spec, valid by its ParamSpec (the rule runs only when they all are). */
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Names of the inputs that have an edge into them. */
  readonly connected: ReadonlySet<string>;
  /** The resource budgets in force. */
  readonly limits: ResourceLimits;
}

export interface NodeSpec {
  readonly type: string;
  readonly typeVersion: number;
  readonly title: string;
  readonly category: string;
  readonly description: string;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  readonly params: readonly ParamSpec[];
  /** Output nodes (save, preview) are the roots the executor plans from. */
  readonly isOutput?: boolean;
  /**
   * Migrations by source version: `migrations[1]` turns typeVersion-1 params
   * into typeVersion-2 params, and so on up to `typeVersion`.
   */
  readonly migrations?: Readonly<Record<number, ParamMigration>>;
  /**
   * Rules across params and wiring that no single ParamSpec can say (e.g. `<i>` markers must match
   * the connected images; steps after denoise within a budget), checked statically by the
   * validator so the graph is refused before it runs. Pure; returns the issues (none: valid).
   */
  readonly validate?: (context: StaticCheckContext) => readonly ValidationIssue[];
  /**
   * Output port -> the param whose value it gives unchanged (primitive nodes). A param wired
   * from such an output is known before anything runs: it is checked statically and folded into
   * the consumer's params when a job is planned (`wired-params.ts`).
   */
  readonly outputsParam?: Readonly<Record<string, string>>;
}

export type NodeSpecLookup = (type: string) => NodeSpec | undefined;

export function inputPort(spec: NodeSpec, name: string): PortSpec | undefined {
  return spec.inputs.find((p) => p.name === name);
}

/**
 * The socket type a param takes when it is fed by a wire (ComfyUI's "convert widget to input"):
 * whole numbers and seeds INT, numbers FLOAT, text and enum choices STRING, booleans BOOLEAN.
 * Image sources are not wireable (undefined): they are files, read and hashed before a run.
 */
export function paramSocketType(param: ParamSpec): SocketType | undefined {
  switch (param.kind) {
    case 'int':
    case 'seed':
      return 'INT';
    case 'float':
      return 'FLOAT';
    case 'string':
    case 'enum':
      return 'STRING';
    case 'boolean':
      return 'BOOLEAN';
    case 'image':
      return undefined;
  }
}

/** A wireable param as the (optional) input port a wire into it targets; undefined otherwise. */
export function paramInputPort(spec: NodeSpec, name: string): PortSpec | undefined {
  const param = spec.params.find((p) => p.name === name);
  const type = param ? paramSocketType(param) : undefined;
  if (!param || !type) return undefined;
  return {
    name,
    type,
    label: param.label ?? param.name,
    optional: true,
    description: `the ${param.label ?? param.name} param, from a wire`,
  };
}

/** What an edge into `name` of a node of `spec` feeds: an input port, else a wireable param. */
export function targetPort(spec: NodeSpec, name: string): PortSpec | undefined {
  return inputPort(spec, name) ?? paramInputPort(spec, name);
}

export function outputPort(spec: NodeSpec, name: string): PortSpec | undefined {
  return spec.outputs.find((p) => p.name === name);
}

export function defaultParams(spec: NodeSpec): Record<string, JsonValue> {
  return Object.fromEntries(spec.params.map((p) => [p.name, p.default]));
}
