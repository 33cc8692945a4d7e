import { canConnect } from './can-connect';
import type { GraphDocument } from './document';
import type { NodeSpecLookup } from './node-spec';
import { topologicalOrder, upstreamClosure } from './topology';
import { checkParams } from './validate-params';
import type { ValidationIssue } from './validation-error';

/** Ids of the output nodes (save, preview) of a graph whose types are known. */
export function outputNodeIds(graph: Pick<GraphDocument, 'nodes'>, lookup: NodeSpecLookup): string[] {
  return graph.nodes.filter((n) => lookup(n.type)?.isOutput === true).map((n) => n.id);
}

/**
 * Every problem that stops `graph` from running, as structured issues.
 * Pure: it never throws for a schema-valid document. Missing required inputs
 * are reported for the nodes that feed an output (only those run), all other
 * checks cover the whole graph.
 */
export function validateGraph(graph: GraphDocument, lookup: NodeSpecLookup): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const node of graph.nodes) {
    if (seen.has(node.id)) {
      issues.push({
        code: 'duplicate_node_id',
        nodeId: node.id,
        message: `node id "${node.id}" is used twice`,
      });
    }
    seen.add(node.id);
    const spec = lookup(node.type);
    if (!spec) {
      issues.push({
        code: 'unknown_node_type',
        nodeId: node.id,
        message: `unknown node type "${node.type}" (kept as a placeholder; install or remove it)`,
      });
      continue;
    }
    if (node.typeVersion > spec.typeVersion) {
      issues.push({
        code: 'unsupported_node_version',
        nodeId: node.id,
        message: `${spec.title} version ${node.typeVersion} is newer than this kosmograph (${spec.typeVersion}); update kosmograph`,
      });
    }
    issues.push(...checkParams(node.id, spec, node.params));
  }

  graph.edges.forEach((edge, index) => {
    // Checked against the edges before it: a later edge into a taken input is the duplicate.
    // Cycles and unknown node types are reported once per graph / node, not per edge.
    const verdict = canConnect(
      { nodes: graph.nodes, edges: graph.edges.slice(0, index) },
      edge.from,
      edge.to,
      lookup,
    );
    if (verdict.ok || verdict.code === 'cycle' || verdict.code === 'unknown_node_type') return;
    const targetMissing = verdict.code === 'dangling_edge' && !graph.nodes.some((n) => n.id === edge.to.node);
    issues.push({
      code: verdict.code,
      nodeId: targetMissing ? edge.from.node : edge.to.node,
      port: targetMissing ? edge.from.port : edge.to.port,
      message: verdict.reason,
    });
  });

  const { cyclic } = topologicalOrder(
    graph.nodes.map((n) => n.id),
    graph.edges,
  );
  if (cyclic.length > 0) {
    issues.push({
      code: 'cycle',
      nodeId: cyclic[0],
      message: `the graph has a cycle through ${cyclic.map((id) => `"${id}"`).join(', ')}`,
    });
  }

  const outputs = outputNodeIds(graph, lookup);
  if (outputs.length === 0) {
    issues.push({
      code: 'no_output_node',
      message: 'the graph has no output node (add a Save Image or Preview Image node)',
    });
  }
  const needed = upstreamClosure(graph.edges, outputs);
  for (const node of graph.nodes) {
    const id = node.id;
    const spec = lookup(node.type);
    if (!needed.has(id) || !spec) continue;
    for (const port of spec.inputs) {
      if (port.optional) continue;
      if (!graph.edges.some((e) => e.to.node === id && e.to.port === port.name)) {
        issues.push({
          code: 'missing_input',
          nodeId: id,
          port: port.name,
          message: `required ${port.type} input "${port.name}" is not connected`,
        });
      }
    }
  }
  return issues;
}
