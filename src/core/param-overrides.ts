import type { GraphDocument, JsonValue } from './document';
import type { NodeSpecLookup, ParamSpec } from './node-spec';
import { GraphValidationError, type ValidationIssue } from './validation-error';
import { wiredParamsOf } from './wired-params';

/** A `NODE.PARAM=VALUE` assignment as typed on a command line, value still text. */
export interface ParamAssignment {
  readonly nodeId: string;
  readonly param: string;
  readonly value: string;
}

export function parseAssignment(text: string, flag: string): ParamAssignment {
  const match = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(text);
  if (!match)
    throw new GraphValidationError([
      { code: 'invalid_document', message: `${flag} "${text}" must look like NODE.PARAM=VALUE` },
    ]);
  return { nodeId: match[1]!, param: match[2]!, value: match[3]! };
}

/** Converts typed text into the JSON value a param of `spec` holds, or explains why it cannot. */
export function coerceParamText(spec: ParamSpec, text: string): { value: JsonValue } | { error: string } {
  switch (spec.kind) {
    case 'int':
    case 'float':
    case 'seed': {
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value)) return { error: `"${text}" is not a number` };
      return { value };
    }
    case 'boolean':
      if (text === 'true' || text === 'false') return { value: text === 'true' };
      return { error: `"${text}" is not true or false` };
    default:
      return { value: text };
  }
}

/**
 * Returns a copy of `graph` with the assignments applied. Unknown nodes,
 * unknown params and untypeable values are all reported together; range
 * checks are left to the validator, which runs next.
 */
export function applyParamAssignments(
  graph: GraphDocument,
  assignments: readonly ParamAssignment[],
  lookup: NodeSpecLookup,
): GraphDocument {
  const issues: ValidationIssue[] = [];
  const nodes = graph.nodes.map((n) => ({ ...n, params: { ...n.params } }));
  const wired = wiredParamsOf(graph, lookup);
  for (const { nodeId, param, value } of assignments) {
    const node = nodes.find((n) => n.id === nodeId);
    if (!node) {
      issues.push({
        code: 'invalid_document',
        nodeId,
        message: `no node "${nodeId}" in this graph (ids: ${nodes.map((n) => n.id).join(', ')})`,
      });
      continue;
    }
    const spec = lookup(node.type)?.params.find((p) => p.name === param);
    if (!spec) {
      const known = lookup(node.type)
        ?.params.map((p) => p.name)
        .join(', ');
      issues.push({
        code: 'unknown_param',
        nodeId,
        param,
        message: `no param "${param}"${known ? ` (params: ${known})` : ''}`,
      });
      continue;
    }
    // A wired param runs with its wire's value: setting the stored one would change nothing.
    const source = wired.get(nodeId)?.get(param);
    if (source) {
      issues.push({
        code: 'invalid_document',
        nodeId,
        param,
        message: `"${nodeId}.${param}" is fed by a wire from "${source.node}.${source.port}"; set the value on node "${source.node}" instead (or remove the wire)`,
      });
      continue;
    }
    const coerced = coerceParamText(spec, value);
    if ('error' in coerced) issues.push({ code: 'param_wrong_type', nodeId, param, message: coerced.error });
    else node.params[param] = coerced.value;
  }
  if (issues.length > 0) throw new GraphValidationError(issues);
  return { ...graph, nodes };
}

/** Sets every seed param in the graph to `seed`. */
export function applySeed(graph: GraphDocument, seed: number, lookup: NodeSpecLookup): GraphDocument {
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const seedParams = lookup(n.type)?.params.filter((p) => p.kind === 'seed') ?? [];
      if (seedParams.length === 0) return n;
      return { ...n, params: { ...n.params, ...Object.fromEntries(seedParams.map((p) => [p.name, seed])) } };
    }),
  };
}

/** The param of kind `image` of a node, for `--input NODE=FILE`. */
export function imageParamOf(graph: GraphDocument, nodeId: string, lookup: NodeSpecLookup): string {
  const node = graph.nodes.find((n) => n.id === nodeId);
  const spec = node && lookup(node.type)?.params.find((p) => p.kind === 'image');
  if (!node)
    throw new GraphValidationError([
      { code: 'invalid_document', nodeId, message: `no node "${nodeId}" in this graph` },
    ]);
  if (!spec)
    throw new GraphValidationError([
      { code: 'invalid_document', nodeId, message: 'this node takes no image file' },
    ]);
  return spec.name;
}
