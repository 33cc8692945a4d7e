import type { GraphDocument, JsonValue } from '../core/document';
import { edgesInto, type GraphIndex, indexGraph, nodeById } from '../core/graph-index';
import type { NodeDefinition, NodeRegistry } from '../core/node-definition';
import { activeGraph } from '../core/node-modes';
import { topologicalOrder, upstreamClosure } from '../core/topology';
import { outputNodeIds } from '../core/validate';
import { resolveParams } from '../core/validate-params';
import { resolveWiredParams, wiredParamsOf } from '../core/wired-params';

export interface PlannedNode<S> {
  readonly id: string;
  readonly definition: NodeDefinition<S>;
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Input port -> upstream node id and output port (a param fed by a wire counts as a port too). */
  readonly inputs: ReadonlyMap<string, { readonly node: string; readonly port: string }>;
  /**
   * Params fed by a wire whose value only running its source gives (not a primitive): the
   * executor puts the input's value in their place, checked by the param's rules. Params wired
   * from primitives are already in `params` (folded when planned, src/core/wired-params.ts).
   */
  readonly wiredAtRun?: ReadonlySet<string>;
}

/**
 * What a job runs (ComfyUI's `ExecutionList` built from its `DynamicPrompt`, as data): the
 * nodes that feed an output, in topological order, with each node's dependencies counted and
 * its dependents listed, so a scheduler can run them without searching.
 */
export interface ExecutionPlan<S> {
  /** Topological order; document order breaks ties. */
  readonly nodes: readonly PlannedNode<S>[];
  /** Plan position -> how many distinct planned nodes it waits for. */
  readonly dependencyCount: Int32Array;
  /** Plan position -> positions of the planned nodes that take its outputs, each once. */
  readonly dependents: readonly (readonly number[])[];
  /** Node id -> plan position. */
  readonly positionOf: ReadonlyMap<string, number>;
}

/**
 * Plans a validated graph: output-driven (only nodes upstream of an output node run),
 * linear in the nodes and edges, reading everything from the one `index` of `graph` (a graph
 * with muted or bypassed nodes is planned as `activeGraph` rewrites it, on an index of its own).
 */
export function planExecution<S>(
  graph: GraphDocument,
  index: GraphIndex,
  registry: NodeRegistry<S>,
): ExecutionPlan<S> {
  // Muted and bypassed nodes do not run; a bypassed node's consumers read its inputs' sources.
  const active = activeGraph(graph, registry.lookup);
  if (active.graph !== graph) return planExecution(active.graph, indexGraph(active.graph), registry);
  const needed = upstreamClosure(index, outputNodeIds(graph, registry.lookup));
  // Wired params known before the run (primitives): their values replace the stored ones, so cache
  // keys, pre-flight and file hashing see the value that runs. The validator has checked them.
  const wired = wiredParamsOf(graph, registry.lookup, index);
  const known = resolveWiredParams(graph, registry.lookup, index, wired).values;
  const ids = graph.nodes.map((n) => n.id).filter((id) => needed.has(id));
  const { order } = topologicalOrder(ids, index);
  const positionOf = new Map<string, number>();
  for (const [position, id] of order.entries()) positionOf.set(id, position);

  const nodes: PlannedNode<S>[] = [];
  const dependencyCount = new Int32Array(order.length);
  const dependents: number[][] = order.map(() => []);
  order.forEach((id, position) => {
    const node = nodeById(index, id)!;
    const definition = registry.get(node.type)!;
    const inputs = new Map<string, { node: string; port: string }>();
    const sources = new Set<number>();
    for (const edgePosition of edgesInto(index, id)) {
      const edge = graph.edges[edgePosition]!;
      inputs.set(edge.to.port, edge.from);
      const source = positionOf.get(edge.from.node);
      if (source !== undefined) sources.add(source);
    }
    for (const source of sources) dependents[source]!.push(position);
    dependencyCount[position] = sources.size;
    const folded = known.get(id);
    const params = resolveParams(definition, folded ? { ...node.params, ...folded } : node.params);
    const atRun = [...(wired.get(id)?.keys() ?? [])].filter((name) => folded?.[name] === undefined);
    nodes.push({
      id,
      definition,
      params,
      inputs,
      ...(atRun.length > 0 ? { wiredAtRun: new Set(atRun) } : {}),
    });
  });
  return { nodes, dependencyCount, dependents, positionOf };
}
