import type { JsonValue } from './document';
import type { NodeSpec, ParamSpec } from './node-spec';
import type { ValidationIssue } from './validation-error';

function checkNumber(
  spec: ParamSpec & { kind: 'int' | 'float' | 'seed' },
  value: number,
): string | undefined {
  if (spec.kind === 'seed') {
    if (!Number.isSafeInteger(value) || value < 0)
      return `seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`;
    return undefined;
  }
  if (spec.kind === 'int' && !Number.isInteger(value)) return 'must be a whole number';
  if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min} (got ${value})`;
  if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max} (got ${value})`;
  return undefined;
}

const EXPECTED_TYPE: Record<ParamSpec['kind'], string> = {
  int: 'number',
  float: 'number',
  seed: 'number',
  enum: 'string',
  string: 'string',
  image: 'string',
  boolean: 'boolean',
};

/** Checks one param value against its spec; returns the issue, if any. */
export function checkParam(nodeId: string, spec: ParamSpec, value: JsonValue): ValidationIssue | undefined {
  const expected = EXPECTED_TYPE[spec.kind];
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (actual !== expected || (typeof value === 'number' && !Number.isFinite(value))) {
    return {
      code: 'param_wrong_type',
      nodeId,
      param: spec.name,
      message: `expected a ${spec.kind === 'int' ? 'whole number' : expected}, got ${JSON.stringify(value)}`,
    };
  }
  if (typeof value === 'number' && (spec.kind === 'int' || spec.kind === 'float' || spec.kind === 'seed')) {
    const problem = checkNumber(spec, value);
    if (problem) return { code: 'param_out_of_range', nodeId, param: spec.name, message: problem };
  }
  if (spec.kind === 'enum' && typeof value === 'string' && !spec.options.includes(value)) {
    return {
      code: 'param_not_in_enum',
      nodeId,
      param: spec.name,
      message: `"${value}" is not one of ${spec.options.map((o) => `"${o}"`).join(', ')}`,
    };
  }
  return undefined;
}

/** Checks all params of a node; missing params take their defaults and are not issues. */
export function checkParams(
  nodeId: string,
  spec: NodeSpec,
  params: Readonly<Record<string, JsonValue>>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [name, value] of Object.entries(params)) {
    const paramSpec = spec.params.find((p) => p.name === name);
    if (!paramSpec) {
      issues.push({
        code: 'unknown_param',
        nodeId,
        param: name,
        message: `${spec.title} has no param "${name}"`,
      });
      continue;
    }
    const issue = checkParam(nodeId, paramSpec, value);
    if (issue) issues.push(issue);
  }
  return issues;
}

/** The node's params with defaults filled in for those not set. */
export function resolveParams(
  spec: NodeSpec,
  params: Readonly<Record<string, JsonValue>>,
): Record<string, JsonValue> {
  const resolved: Record<string, JsonValue> = {};
  // Own keys only: an unset param named like an Object.prototype member must take its default.
  for (const p of spec.params)
    resolved[p.name] = (Object.hasOwn(params, p.name) ? params[p.name] : undefined) ?? p.default;
  return resolved;
}
