import type { GraphDocument, JsonValue } from '../core/document';
import { edgesInto, indexGraph, nodeById } from '../core/graph-index';
import type { Artifact, NodeDefinition, NodeRegistry, NodeResult } from '../core/node-definition';
import { topologicalOrder, upstreamClosure } from '../core/topology';
import { outputNodeIds, validateGraph } from '../core/validate';
import { resolveParams } from '../core/validate-params';
import { formatIssue } from '../core/validation-error';
import { contentKey } from './content-key';
import type { EngineEvent, EngineEventListener, JobResult } from './events';
import { OutputCache } from './output-cache';

export interface RunOptions {
  readonly jobId?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: EngineEventListener;
}

export interface ExecutorOptions {
  /** How many node results to keep across runs (LRU). */
  readonly cacheEntries?: number;
}

interface PlannedNode<S> {
  readonly id: string;
  readonly definition: NodeDefinition<S>;
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Input port -> upstream node id and output port. */
  readonly inputs: ReadonlyMap<string, { readonly node: string; readonly port: string }>;
}

/** Raised inside a node to say which node failed; the executor turns it into events. */
class NodeFailure extends Error {
  constructor(
    readonly nodeId: string,
    message: string,
  ) {
    super(message);
  }
}

let jobCounter = 0;
const nextJobId = () => `job-${Date.now().toString(36)}-${(++jobCounter).toString(36)}`;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs graph documents: plans from the output nodes, computes content keys,
 * reuses cached results, runs ready nodes concurrently, and reports every
 * step as an `EngineEvent`. One executor keeps its cache across runs; each
 * run has its own cancellation signal (no global interrupt).
 */
export class Executor<Services> {
  readonly #registry: NodeRegistry<Services>;
  readonly #services: Services;
  readonly #cache: OutputCache;

  constructor(registry: NodeRegistry<Services>, services: Services, options: ExecutorOptions = {}) {
    this.#registry = registry;
    this.#services = services;
    this.#cache = new OutputCache(options.cacheEntries ?? 256);
  }

  get cacheSize(): number {
    return this.#cache.size;
  }

  clearCache(): void {
    this.#cache.clear();
  }

  async run(graph: GraphDocument, options: RunOptions = {}): Promise<JobResult> {
    const jobId = options.jobId ?? nextJobId();
    const emit = (event: EngineEvent) => options.onEvent?.(event);
    const started = performance.now();

    const issues = validateGraph(graph, this.#registry.lookup);
    if (issues.length > 0) {
      const message = `the graph is not valid: ${issues.map(formatIssue).join('; ')}`;
      emit({ type: 'job:failed', jobId, nodeId: issues[0]?.nodeId, message, issues });
      return {
        jobId,
        status: 'failed',
        artifacts: [],
        error: { nodeId: issues[0]?.nodeId, message, issues },
      };
    }

    const plan = this.#plan(graph);
    emit({ type: 'job:start', jobId, nodeIds: plan.map((n) => n.id) });

    // Linked controller: aborted by the caller, or by us when a node fails, so siblings stop too.
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const signal = controller.signal;
    const results = new Map<string, NodeResult>();
    let executed = 0;
    let cached = 0;

    try {
      const keys = await this.#contentKeys(plan, signal);
      await this.#schedule(
        plan,
        async (node) => {
          if (signal.aborted) return;
          const key = keys.get(node.id)!;
          const hit = node.definition.alwaysRun ? undefined : this.#cache.get(key);
          if (hit) {
            cached += 1;
            results.set(node.id, hit);
            emit({ type: 'node:cached', jobId, nodeId: node.id });
            for (const artifact of hit.artifacts ?? [])
              emit({ type: 'node:output', jobId, nodeId: node.id, artifact });
            return;
          }
          emit({ type: 'node:start', jobId, nodeId: node.id });
          const nodeStart = performance.now();
          const inputs: Record<string, unknown> = {};
          for (const [port, source] of node.inputs) {
            inputs[port] = results.get(source.node)?.outputs[source.port];
          }
          let result: NodeResult;
          try {
            result = await node.definition.execute({
              nodeId: node.id,
              inputs,
              params: node.params,
              signal,
              services: this.#services,
              graph,
              progress: async (step, total, preview) => {
                // The listener may take its time (another thread): a failure there is not the node's.
                await Promise.resolve(
                  emit({
                    type: 'node:progress',
                    jobId,
                    nodeId: node.id,
                    step,
                    total,
                    ...(preview ? { preview } : {}),
                  }),
                ).catch(() => undefined);
              },
              warn: (message) => {
                emit({ type: 'node:warning', jobId, nodeId: node.id, message: String(message) });
              },
            });
          } catch (error) {
            if (signal.aborted && !(error instanceof NodeFailure)) throw signal.reason ?? error;
            throw new NodeFailure(node.id, messageOf(error));
          }
          if (signal.aborted) return;
          for (const port of node.definition.outputs) {
            if (!(port.name in result.outputs)) {
              throw new NodeFailure(
                node.id,
                `${node.definition.title} produced no value for output "${port.name}"`,
              );
            }
          }
          executed += 1;
          results.set(node.id, result);
          this.#cache.set(key, result);
          for (const artifact of result.artifacts ?? [])
            emit({ type: 'node:output', jobId, nodeId: node.id, artifact });
          emit({ type: 'node:done', jobId, nodeId: node.id, ms: performance.now() - nodeStart });
        },
        controller,
      );
    } catch (error) {
      if (error instanceof NodeFailure) {
        controller.abort(error);
        emit({ type: 'node:error', jobId, nodeId: error.nodeId, message: error.message });
        emit({ type: 'job:failed', jobId, nodeId: error.nodeId, message: error.message });
        return {
          jobId,
          status: 'failed',
          artifacts: [],
          error: { nodeId: error.nodeId, message: error.message },
        };
      }
      if (!options.signal?.aborted) {
        const message = `internal error: ${messageOf(error)}`;
        emit({ type: 'job:failed', jobId, message });
        return { jobId, status: 'failed', artifacts: [], error: { message } };
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }

    if (options.signal?.aborted) {
      emit({ type: 'job:cancelled', jobId });
      return { jobId, status: 'cancelled', artifacts: [] };
    }
    const artifacts: { nodeId: string; artifact: Artifact }[] = [];
    for (const node of plan) {
      for (const artifact of results.get(node.id)?.artifacts ?? [])
        artifacts.push({ nodeId: node.id, artifact });
    }
    emit({ type: 'job:done', jobId, ms: performance.now() - started, executed, cached });
    return { jobId, status: 'done', artifacts };
  }

  /** The nodes that feed an output, in topological order (document order breaks ties). */
  #plan(graph: GraphDocument): PlannedNode<Services>[] {
    // One index for the whole plan: no node or edge scan per node.
    const index = indexGraph(graph);
    const needed = upstreamClosure(index, outputNodeIds(graph, this.#registry.lookup));
    const ids = graph.nodes.map((n) => n.id).filter((id) => needed.has(id));
    const { order } = topologicalOrder(ids, index);
    return order.map((id) => {
      const node = nodeById(index, id)!;
      const definition = this.#registry.get(node.type)!;
      const inputs = new Map<string, { node: string; port: string }>();
      for (const position of edgesInto(index, id)) {
        const edge = graph.edges[position]!;
        inputs.set(edge.to.port, edge.from);
      }
      return { id, definition, params: resolveParams(definition, node.params), inputs };
    });
  }

  async #contentKeys(
    plan: readonly PlannedNode<Services>[],
    signal: AbortSignal,
  ): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    for (const node of plan) {
      let salt = '';
      try {
        salt = (await node.definition.cacheSalt?.(node.params, this.#services, signal)) ?? '';
      } catch (error) {
        throw new NodeFailure(node.id, messageOf(error));
      }
      const inputs: Record<string, string> = {};
      for (const [port, source] of node.inputs) inputs[port] = `${keys.get(source.node)}#${source.port}`;
      keys.set(
        node.id,
        contentKey({
          type: node.definition.type,
          typeVersion: node.definition.typeVersion,
          params: node.params,
          inputs,
          salt,
        }),
      );
    }
    return keys;
  }

  /** Runs `task` for each node once all its inputs' nodes finished; independent nodes overlap. */
  async #schedule(
    plan: readonly PlannedNode<Services>[],
    task: (node: PlannedNode<Services>) => Promise<void>,
    controller: AbortController,
  ): Promise<void> {
    const signal = controller.signal;
    const done = new Set<string>();
    const running = new Map<string, Promise<string>>();
    const pending = [...plan];
    while (pending.length > 0 || running.size > 0) {
      if (signal.aborted) break;
      for (let i = 0; i < pending.length; ) {
        const node = pending[i]!;
        if ([...node.inputs.values()].every((source) => done.has(source.node))) {
          pending.splice(i, 1);
          running.set(
            node.id,
            task(node).then(() => node.id),
          );
        } else {
          i += 1;
        }
      }
      if (running.size === 0) break;
      let finished: string;
      try {
        finished = await Promise.race(running.values());
      } catch (error) {
        // One node failed: stop the others and wait for them before reporting.
        controller.abort(error);
        await Promise.allSettled(running.values());
        throw error;
      }
      running.delete(finished);
      done.add(finished);
    }
    // Let in-flight nodes settle (they see the aborted signal) before reporting.
    await Promise.allSettled(running.values());
  }
}
