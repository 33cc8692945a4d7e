import { checkEdgeAgainstEarlier } from './can-connect';
import type { GraphDocument } from './document';
import { edgesIntoSlot, firstEdgeIntoSlotPort, type GraphIndex, hasNode, indexGraph } from './graph-index';
import { currentLimits, type ResourceLimits } from './limits';
import { activeGraph, explainModeIssues } from './node-modes';
import type { NodeSpec, NodeSpecLookup } from './node-spec';
import { cyclicNodes, upstreamSlots } from './topology';
import { checkParams, resolveParams } from './validate-params';
import type { ValidationIssue } from './validation-error';
import { resolveWiredParams } from './wired-params';

/** Ids of the output nodes (save, preview) of a graph whose types are known. */
export function outputNodeIds(graph: Pick<GraphDocument, 'nodes'>, lookup: NodeSpecLookup): string[] {
  return graph.nodes.filter((n) => lookup(n.type)?.isOutput === true).map((n) => n.id);
}

/**
 * Every problem that stops `graph` from running, as structured issues.
 * Pure: it never throws for a schema-valid document. Missing required inputs
 * are reported for the nodes that feed an output (only those run), all other
 * checks cover the whole graph.
 *
 * Linear in the size of the graph: everything is looked up in one
 * `GraphIndex` (pass `index` when one of this very graph is already built).
 * Nodes' own rules (`NodeSpec.validate`) run where a node's params are valid, against `limits`
 * (the budgets in force by default).
 */
export function validateGraph(
  graph: GraphDocument,
  lookup: NodeSpecLookup,
  index: GraphIndex = indexGraph(graph),
  limits: ResourceLimits = currentLimits(),
): ValidationIssue[] {
  // Muted and bypassed nodes do not run: the graph that runs is checked (node-modes.ts).
  const active = activeGraph(graph, lookup);
  if (active.graph !== graph) {
    const found = validateGraph(active.graph, lookup, indexGraph(active.graph), limits);
    return explainModeIssues(found, active, lookup, graph);
  }
  const issues: ValidationIssue[] = [];
  // Each node's type is looked up once; edges and the input checks read it by node position.
  const specs = graph.nodes.map((node) => lookup(node.type));
  const specAt = (position: number) => specs[position];
  // Params fed by primitive nodes are known now: checked by their own rules, and seen by node rules.
  // (Types looked up once: the specs above serve it.)
  const specOfType = new Map<string, NodeSpec | undefined>();
  graph.nodes.forEach((node, position) => {
    specOfType.set(node.type, specs[position]);
  });
  const known: NodeSpecLookup = (type) => (specOfType.has(type) ? specOfType.get(type) : lookup(type));
  const wired = resolveWiredParams(graph, known, index);
  for (const issue of wired.issues) issues.push(issue);
  graph.nodes.forEach((node, position) => {
    if (index.nodeSlot[position] !== position) {
      issues.push({
        code: 'duplicate_node_id',
        nodeId: node.id,
        message: `node id "${node.id}" is used twice`,
      });
    }
    const spec = specs[position];
    if (!spec) {
      issues.push({
        code: 'unknown_node_type',
        nodeId: node.id,
        message: `unknown node type "${node.type}" (kept as a placeholder; install or remove it)`,
      });
      return;
    }
    if (node.typeVersion > spec.typeVersion) {
      issues.push({
        code: 'unsupported_node_version',
        nodeId: node.id,
        message: `${spec.title} version ${node.typeVersion} is newer than this kosmograph (${spec.typeVersion}); update kosmograph`,
      });
    }
    const paramIssues = checkParams(node.id, spec, node.params);
    for (const issue of paramIssues) issues.push(issue);
    if (spec.validate && paramIssues.length === 0) {
      const connected = new Set<string>();
      for (const p of edgesIntoSlot(index, index.nodeSlot[position]!)) connected.add(graph.edges[p]!.to.port);
      const fromWires = wired.values.get(node.id);
      const params = resolveParams(spec, fromWires ? { ...node.params, ...fromWires } : node.params);
      const context = { nodeId: node.id, params, connected, limits };
      for (const issue of spec.validate(context)) issues.push(issue);
    }
  });

  graph.edges.forEach((edge, position) => {
    // Checked by canConnect's rules against the edges before it: a later edge into a taken input is
    // the duplicate. Cycles and unknown node types are reported once per graph / node, not per edge,
    // so the per-edge cycle check (the only rule that is not constant work) is not run at all.
    const verdict = checkEdgeAgainstEarlier(index, position, specAt);
    if (verdict === 'unoccupied' || verdict.ok || verdict.code === 'unknown_node_type') return;
    const targetMissing = verdict.code === 'dangling_edge' && !hasNode(index, edge.to.node);
    issues.push({
      code: verdict.code,
      nodeId: targetMissing ? edge.from.node : edge.to.node,
      port: targetMissing ? edge.from.port : edge.to.port,
      message: verdict.reason,
    });
  });

  const cyclic = cyclicNodes(index);
  if (cyclic.length > 0) {
    issues.push({
      code: 'cycle',
      nodeId: cyclic[0],
      message: `the graph has a cycle through ${cyclic.map((id) => `"${id}"`).join(', ')}`,
    });
  }

  const outputs = graph.nodes.filter((_, position) => specs[position]?.isOutput === true).map((n) => n.id);
  if (outputs.length === 0) {
    issues.push({
      code: 'no_output_node',
      message: 'the graph has no output node (add a Save Image or Preview Image node)',
    });
  }
  const needed = upstreamSlots(index, outputs);
  graph.nodes.forEach((node, position) => {
    const id = node.id;
    const slot = index.nodeSlot[position]!;
    const spec = specs[position];
    if (needed[slot] === 0 || !spec) return;
    for (const port of spec.inputs) {
      if (port.optional) continue;
      if (firstEdgeIntoSlotPort(index, slot, port.name) < 0) {
        issues.push({
          code: 'missing_input',
          nodeId: id,
          port: port.name,
          message: `required ${port.type} input "${port.name}" is not connected`,
        });
      }
    }
  });
  return issues;
}
