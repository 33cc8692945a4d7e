import type { PreflightResult } from '../core/node-definition';
import type { ValidationIssue } from '../core/validation-error';
import type { PlannedNode } from './plan';

/**
 * The pre-flight pass: before a job runs, each planned node that has a `preflight` hook checks
 * what the graph asks of its models (from manifests and configs; no session is created) and
 * declares what it knows of its outputs for the nodes downstream, in plan order. A node without
 * a hook passes on the one fact it got on an input to its output of the same socket type (an
 * Apply LoRA's U-Net stays the loader's U-Net). Returns every issue found; an empty list lets
 * the job run. A hook that throws (a pack that does not open, say) is skipped: that node meets
 * its problem when it runs, with the message it always gave. Cancellation propagates.
 */
export async function preflightPlan<S>(
  nodes: readonly PlannedNode<S>[],
  /** The services a node's hook gets (the executor's, scoped to report that node's stages). */
  servicesOf: (node: PlannedNode<S>) => S,
  signal: AbortSignal,
): Promise<ValidationIssue[]> {
  const facts = new Map<string, Readonly<Record<string, unknown>>>();
  const issues: ValidationIssue[] = [];
  for (const node of nodes) {
    signal.throwIfAborted();
    const inputs: Record<string, unknown> = {};
    for (const [port, source] of node.inputs) {
      const fact = facts.get(source.node)?.[source.port];
      if (fact !== undefined) inputs[port] = fact;
    }
    const hook = node.definition.preflight;
    if (!hook) {
      facts.set(node.id, passedThrough(node, inputs));
      continue;
    }
    let result: PreflightResult;
    try {
      result = await hook.call(node.definition, {
        nodeId: node.id,
        params: node.params,
        inputs,
        connected: new Set(node.inputs.keys()),
        services: servicesOf(node),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw signal.reason ?? error;
      continue;
    }
    if (result.outputs) facts.set(node.id, result.outputs);
    issues.push(...(result.issues ?? []));
  }
  return issues;
}

/** Output port -> the fact of the one input of the same socket type, where there is exactly one. */
function passedThrough<S>(
  node: PlannedNode<S>,
  inputs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const output of node.definition.outputs) {
    const sameType = node.definition.inputs.filter((input) => input.type === output.type);
    if (sameType.length !== 1) continue;
    const fact = inputs[sameType[0]!.name];
    if (fact !== undefined) out[output.name] = fact;
  }
  return out;
}
