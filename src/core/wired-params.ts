import type { GraphDocument, JsonValue, PortRef } from './document';
import { type GraphIndex, nodeById } from './graph-index';
import { inputPort, type NodeSpecLookup, paramInputPort } from './node-spec';
import { socketAccepts } from './socket-types';
import { checkParam } from './validate-params';
import type { ValidationIssue } from './validation-error';

/**
 * Params fed by wires (ComfyUI's "convert widget to input" with a Primitive node): an edge whose
 * `to.port` names a wireable param of the target (`paramInputPort`) instead of an input port.
 * The wired value replaces the stored one for the run; the stored value stays in the document, so
 * unwiring restores it. Where the source is an output that gives a param unchanged
 * (`NodeSpec.outputsParam`, the primitive nodes), the value is known before anything runs:
 * `resolveWiredParams` finds it (through chains of primitives) and checks it by the param's own
 * rules, so the validator refuses a bad one and the planner folds it into the params (cache keys,
 * pre-flight and file hashing then see the value that runs).
 */

/** Param name -> the output that feeds it, for one node. */
export type WiredParams = ReadonlyMap<string, PortRef>;

type GraphNode = GraphDocument['nodes'][number];
type Graph = Pick<GraphDocument, 'nodes' | 'edges'>;

/**
 * The first node with id `id`, read from the graph's index when the caller has one (the validator
 * and the planner): building another id table per call would cost more than the rest of this
 * module on a 10k-node graph.
 */
function nodeLookup(graph: Graph, index: GraphIndex | undefined): (id: string) => GraphNode | undefined {
  if (index) return (id) => nodeById(index, id);
  const nodes = new Map<string, GraphNode>();
  for (const node of graph.nodes) if (!nodes.has(node.id)) nodes.set(node.id, node);
  return (id) => nodes.get(id);
}

/**
 * By node id: its params fed by wires (edges into a name that is a param, not an input port).
 * `index`, when given, must be `indexGraph(graph)`; edges' targets are then read by slot.
 */
export function wiredParamsOf(
  graph: Graph,
  lookup: NodeSpecLookup,
  index?: GraphIndex,
): ReadonlyMap<string, WiredParams> {
  // The target's type by edge position: by slot through the index (no id lookups), else by id.
  const nodeOf = index ? undefined : nodeLookup(graph, undefined);
  const targetType = (position: number): string | undefined =>
    nodeOf ? nodeOf(graph.edges[position]!.to.node)?.type : graph.nodes[index!.edgeTarget[position]!]?.type;
  const out = new Map<string, Map<string, PortRef>>();
  for (let position = 0; position < graph.edges.length; position++) {
    const edge = graph.edges[position]!;
    const type = targetType(position);
    const spec = type === undefined ? undefined : lookup(type);
    if (!spec || inputPort(spec, edge.to.port) || !paramInputPort(spec, edge.to.port)) continue;
    let params = out.get(edge.to.node);
    if (!params) {
      params = new Map();
      out.set(edge.to.node, params);
    }
    // The first edge counts (a second one is a duplicate input edge, reported by the validator).
    if (!params.has(edge.to.port)) params.set(edge.to.port, edge.from);
  }
  return out;
}

/** Whether param `param` of node `nodeId` is fed by a wire. */
export function isParamWired(
  graph: Pick<GraphDocument, 'nodes' | 'edges'>,
  nodeId: string,
  param: string,
  lookup: NodeSpecLookup,
): PortRef | undefined {
  return wiredParamsOf(graph, lookup).get(nodeId)?.get(param);
}

export interface ResolvedWiredParams {
  /** By node id: the wired params whose values are known before the run, with those values. */
  readonly values: ReadonlyMap<string, Readonly<Record<string, JsonValue>>>;
  /** Wired values that break their param's rules, naming the node, the param and the source. */
  readonly issues: readonly ValidationIssue[];
}

/**
 * The values of the wired params whose source gives a param unchanged (a primitive node), followed
 * through chains of such sources; each checked with `checkParam` of the param it feeds. Params
 * wired from other outputs are left out (their values exist only at run time). Pure; linear in the
 * graph; a cycle (reported by the validator) resolves nothing.
 */
export function resolveWiredParams(
  graph: Graph,
  lookup: NodeSpecLookup,
  index?: GraphIndex,
  wired: ReadonlyMap<string, WiredParams> = wiredParamsOf(graph, lookup, index),
): ResolvedWiredParams {
  const nodeOf = nodeLookup(graph, index);
  const values = new Map<string, Record<string, JsonValue>>();
  const issues: ValidationIssue[] = [];
  const memo = new Map<string, JsonValue | undefined>();
  const visiting = new Set<string>();

  /** The value `from` gives before the run, or undefined when only running it would tell. */
  const knownValue = (from: PortRef): JsonValue | undefined => {
    const key = `${from.node}\u0000${from.port}`;
    if (memo.has(key)) return memo.get(key);
    const node = nodeOf(from.node);
    const spec = node ? lookup(node.type) : undefined;
    const param = spec?.outputsParam?.[from.port];
    let value: JsonValue | undefined;
    if (node && spec && param !== undefined && !visiting.has(key)) {
      visiting.add(key);
      const upstream = wired.get(node.id)?.get(param);
      const paramSpec = spec.params.find((p) => p.name === param);
      value = upstream
        ? knownValue(upstream)
        : Object.hasOwn(node.params, param)
          ? node.params[param]
          : paramSpec?.default;
      visiting.delete(key);
    }
    memo.set(key, value);
    return value;
  };

  for (const [nodeId, params] of wired) {
    const node = nodeOf(nodeId)!;
    const spec = lookup(node.type)!;
    for (const [name, from] of params) {
      // A wire of the wrong socket type is the validator's `type_mismatch`, not a value to check.
      const source = nodeOf(from.node);
      const output = source ? lookup(source.type)?.outputs.find((p) => p.name === from.port) : undefined;
      if (!output || !socketAccepts(paramInputPort(spec, name)!.type, output.type)) continue;
      const value = knownValue(from);
      if (value === undefined) continue;
      const paramSpec = spec.params.find((p) => p.name === name)!;
      const issue = checkParam(nodeId, paramSpec, value);
      if (issue) {
        issues.push({
          ...issue,
          message: `${issue.message} (the value comes by wire from "${from.node}.${from.port}")`,
        });
        continue;
      }
      let known = values.get(nodeId);
      if (!known) {
        known = {};
        values.set(nodeId, known);
      }
      known[name] = value;
    }
  }
  return { values, issues };
}
