import type { GraphDocument, GraphEdge, NodeMode, PortRef } from './document';
import type { NodeSpec, NodeSpecLookup } from './node-spec';
import type { ValidationIssue } from './validation-error';

/**
 * Bypass and mute (ComfyUI's habits), as a rewrite of the graph that validation and the
 * executor's plan both read, so the CLI, the server and the editor agree on what runs:
 *
 * - a muted node does not run: it and its edges leave the graph; an input it fed is
 *   unconnected (a required one is reported as `missing_input` naming the muted node);
 * - a bypassed node does not run either: each of its outputs is fed by its first connected
 *   input of the same socket type (in the node's port order), so the value passes through;
 *   an output with no such input feeds nothing (like a muted one). Chains of bypassed nodes
 *   pass through each in turn.
 *
 * An output node that is muted or bypassed is no output. A graph without modes is returned as
 * the very same object (nothing is copied).
 */
export interface ActiveGraph {
  readonly graph: GraphDocument;
  /** Inputs of running nodes that lost their edge because its source is muted or bypassed. */
  readonly cut: readonly CutInput[];
  /** Ids of the nodes that do not run because of their mode. */
  readonly inactive: ReadonlySet<string>;
}

export interface CutInput {
  readonly node: string;
  readonly port: string;
  /** The muted or bypassed node the input's value would have come from. */
  readonly source: string;
  readonly sourceMode: NodeMode;
}

export const NODE_MODES: readonly NodeMode[] = ['bypass', 'mute'];

/** Whether any node of `graph` has a mode (is not simply active). */
export function hasNodeModes(graph: Pick<GraphDocument, 'nodes'>): boolean {
  return graph.nodes.some((n) => n.mode !== undefined);
}

/** The graph as it runs: muted and bypassed nodes taken out, bypassed ones' values passed through. */
export function activeGraph(graph: GraphDocument, lookup: NodeSpecLookup): ActiveGraph {
  if (!hasNodeModes(graph)) return { graph, cut: [], inactive: new Set() };
  // The first node with an id decides its mode (a duplicate id is reported by validation anyway).
  const modeOf = new Map<string, NodeMode | undefined>();
  const nodeOf = new Map<string, GraphDocument['nodes'][number]>();
  for (const node of graph.nodes) {
    if (nodeOf.has(node.id)) continue;
    nodeOf.set(node.id, node);
    modeOf.set(node.id, node.mode);
  }
  const inactive = new Set<string>();
  for (const [id, mode] of modeOf) if (mode !== undefined) inactive.add(id);

  // Input port -> its first edge's source, for the bypassed nodes (the only ones we walk through).
  const feeds = new Map<string, Map<string, PortRef>>();
  for (const edge of graph.edges) {
    if (modeOf.get(edge.to.node) !== 'bypass') continue;
    let ports = feeds.get(edge.to.node);
    if (!ports) {
      ports = new Map();
      feeds.set(edge.to.node, ports);
    }
    if (!ports.has(edge.to.port)) ports.set(edge.to.port, edge.from);
  }
  const specs = new Map<string, NodeSpec | undefined>();
  const specOf = (id: string): NodeSpec | undefined => {
    if (!specs.has(id)) specs.set(id, lookup(nodeOf.get(id)!.type));
    return specs.get(id);
  };

  /** Where the value of `from` really comes from, or undefined when it is cut off. */
  const resolve = (from: PortRef, seen: Set<string>): PortRef | undefined => {
    const mode = modeOf.get(from.node);
    if (mode === undefined) return from;
    if (mode === 'mute' || seen.has(from.node)) return undefined;
    seen.add(from.node);
    const spec = specOf(from.node);
    const type = spec?.outputs.find((p) => p.name === from.port)?.type;
    if (!spec || type === undefined) return undefined;
    const ports = feeds.get(from.node);
    for (const input of spec.inputs) {
      if (input.type !== type) continue;
      const upstream = ports?.get(input.name);
      if (upstream) return resolve(upstream, seen);
    }
    return undefined;
  };

  const edges: GraphEdge[] = [];
  const cut: CutInput[] = [];
  for (const edge of graph.edges) {
    if (inactive.has(edge.to.node)) continue;
    const sourceMode = modeOf.get(edge.from.node);
    if (sourceMode === undefined) {
      edges.push(edge);
      continue;
    }
    const from = resolve(edge.from, new Set());
    if (from) edges.push({ from, to: edge.to });
    else cut.push({ node: edge.to.node, port: edge.to.port, source: edge.from.node, sourceMode });
  }
  const nodes = graph.nodes.filter((n) => !inactive.has(n.id));
  return { graph: { ...graph, nodes, edges }, cut, inactive };
}

/**
 * Says, in the issues found on an active graph, where modes are the cause: a missing input that
 * a muted or bypassed node would have fed names that node, and "no output node" says the
 * outputs are muted or bypassed.
 */
export function explainModeIssues(
  issues: readonly ValidationIssue[],
  active: ActiveGraph,
  lookup: NodeSpecLookup,
  original: Pick<GraphDocument, 'nodes'>,
): ValidationIssue[] {
  const cutAt = new Map<string, CutInput>();
  for (const c of active.cut)
    if (!cutAt.has(`${c.node}\u0000${c.port}`)) cutAt.set(`${c.node}\u0000${c.port}`, c);
  return issues.map((issue) => {
    if (issue.code === 'missing_input' && issue.nodeId !== undefined && issue.port !== undefined) {
      const c = cutAt.get(`${issue.nodeId}\u0000${issue.port}`);
      if (!c) return issue;
      const why =
        c.sourceMode === 'mute'
          ? `comes from muted node "${c.source}"`
          : `comes from bypassed node "${c.source}", which has no connected input of that type to pass through`;
      return { ...issue, message: `${issue.message.replace(/ is not connected$/, '')} ${why}` };
    }
    if (issue.code === 'no_output_node') {
      const silenced = original.nodes.filter(
        (n) => n.mode !== undefined && lookup(n.type)?.isOutput === true,
      );
      if (silenced.length === 0) return issue;
      return {
        ...issue,
        message: `every output node is muted or bypassed (${silenced.map((n) => `"${n.id}"`).join(', ')}); un-mute one to run`,
      };
    }
    return issue;
  });
}
