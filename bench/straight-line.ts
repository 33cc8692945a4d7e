// The baselines the headless benchmark compares the executor with: the same nodes called
// straight in plan order (no executor), and the same ONNX Runtime calls replayed on their own.

import type { GraphDocument } from '../src/core/document';
import { indexGraph } from '../src/core/graph-index';
import type { NodeRegistry, NodeResult } from '../src/core/node-definition';
import { planExecution } from '../src/engine/plan';
import type { ModelSession } from '../src/runtime/ort/model-session';
import type { SessionPool } from '../src/runtime/ort/session-pool';
import type { TensorData } from '../src/runtime/ort/tensor-data';

/**
 * A hand-written pipeline for `graph`: its nodes' `execute` in plan order, outputs handed to
 * inputs, nothing else (no validation, planning, cache keys, cache, scheduling or events). The
 * order is worked out once, as a script would have it written down.
 */
export function straightLine<S>(
  graph: GraphDocument,
  registry: NodeRegistry<S>,
  services: S,
): () => Promise<NodeResult[]> {
  const plan = planExecution(graph, indexGraph(graph), registry);
  const signal = new AbortController().signal;
  return async () => {
    const results = new Map<string, NodeResult>();
    for (const node of plan.nodes) {
      const inputs: Record<string, unknown> = {};
      for (const [port, source] of node.inputs) inputs[port] = results.get(source.node)?.outputs[source.port];
      results.set(
        node.id,
        await node.definition.execute({
          nodeId: node.id,
          inputs,
          params: node.params,
          signal,
          services,
          graph,
          progress: async () => undefined,
          warn: () => undefined,
        }),
      );
    }
    return [...results.values()];
  };
}

interface SessionCall {
  readonly session: ModelSession;
  readonly feeds: Readonly<Record<string, TensorData>>;
  readonly outputNames?: readonly string[];
}

/**
 * Records every `run` of the sessions `pool` leases while `recording` is on, so `replay` can make
 * the same ONNX Runtime calls, in the same order with the same inputs, and nothing else.
 * Instrumentation of the real pool: the sessions are the real ones.
 */
export function recordSessionCalls(pool: SessionPool): {
  record<T>(run: () => Promise<T>): Promise<{ value: T; calls: readonly SessionCall[] }>;
  replay(calls: readonly SessionCall[]): Promise<void>;
} {
  let calls: SessionCall[] | undefined;
  const acquire = pool.acquire.bind(pool);
  pool.acquire = async (key, label, load) => {
    const lease = await acquire(key, label, load);
    const session = lease.session;
    const recording: ModelSession = {
      label: session.label,
      inputs: session.inputs,
      outputs: session.outputs,
      release: () => session.release(),
      run: (feeds, outputNames) => {
        calls?.push({ session, feeds, ...(outputNames ? { outputNames } : {}) });
        return session.run(feeds, outputNames);
      },
    };
    return { session: recording, done: () => lease.done() };
  };
  return {
    async record(run) {
      calls = [];
      try {
        const value = await run();
        return { value, calls };
      } finally {
        calls = undefined;
      }
    },
    async replay(recorded) {
      for (const call of recorded) await call.session.run(call.feeds, call.outputNames);
    },
  };
}
