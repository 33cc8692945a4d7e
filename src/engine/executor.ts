import type { GraphDocument } from '../core/document';
import { indexGraph } from '../core/graph-index';
import type { Artifact, NodeRegistry, NodeResult, StageReporter } from '../core/node-definition';
import { validateGraph } from '../core/validate';
import { checkParam } from '../core/validate-params';
import { formatIssue, type ValidationIssue } from '../core/validation-error';
import { computeCacheKeys } from './cache-keys';
import type { EngineEventListener, JobResult } from './events';
import { type JobEvents, jobEvents } from './job-events';
import { messageOf, NodeFailure } from './node-failure';
import { OutputCache } from './output-cache';
import { type ExecutionPlan, type PlannedNode, planExecution } from './plan';
import { preflightPlan } from './preflight';
import { runInDependencyOrder } from './schedule';

export { DEFAULT_CACHE_BYTES } from './output-cache';

export interface RunOptions {
  readonly jobId?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: EngineEventListener;
}

export interface ExecutorOptions<Services = unknown> {
  /** Most estimated bytes of node results kept across runs (LRU); default `DEFAULT_CACHE_BYTES` (512 MiB). */
  readonly cacheBytes?: number;
  /** Most node results kept across runs (LRU), on top of the bytes; default no limit but the bytes. */
  readonly cacheEntries?: number;
  /**
   * The services one node runs with, given a reporter of its stages: the host wraps its model
   * services so that loading and session creation are told as that node's stages.
   */
  readonly servicesForNode?: (services: Services, stage: StageReporter) => Services;
}

/** One run's state, shared by its node tasks. */
interface Job<S> {
  readonly graph: GraphDocument;
  readonly plan: ExecutionPlan<S>;
  /** Cache key by plan position. */
  keys: readonly string[];
  /** Result by plan position, once the node ran or came from the cache. */
  readonly results: (NodeResult | undefined)[];
  executed: number;
  cached: number;
  readonly signal: AbortSignal;
  readonly events: JobEvents;
}

let jobCounter = 0;
const nextJobId = () => `job-${Date.now().toString(36)}-${(++jobCounter).toString(36)}`;

/**
 * Runs graph documents, in the steps ComfyUI's `comfy_execution` separates: validate and plan
 * (`plan.ts`: the output-driven subgraph from one graph index), key (`cache-keys.ts`), reuse
 * cached results (`output-cache.ts`, bounded by bytes), schedule ready nodes concurrently
 * (`schedule.ts`, linear), and report every step (`job-events.ts`). One executor keeps its
 * cache across runs; each run has its own cancellation signal (no global interrupt).
 */
export class Executor<Services> {
  readonly #registry: NodeRegistry<Services>;
  readonly #services: Services;
  readonly #cache: OutputCache;
  readonly #servicesForNode: ((services: Services, stage: StageReporter) => Services) | undefined;

  constructor(registry: NodeRegistry<Services>, services: Services, options: ExecutorOptions<Services> = {}) {
    this.#registry = registry;
    this.#services = services;
    this.#servicesForNode = options.servicesForNode;
    this.#cache = new OutputCache({
      ...(options.cacheBytes !== undefined ? { maxBytes: options.cacheBytes } : {}),
      ...(options.cacheEntries !== undefined ? { maxEntries: options.cacheEntries } : {}),
    });
  }

  /** Node results held in the cache. */
  get cacheSize(): number {
    return this.#cache.size;
  }

  /** Estimated bytes of the node results held in the cache. */
  get cacheBytes(): number {
    return this.#cache.bytes;
  }

  clearCache(): void {
    this.#cache.clear();
  }

  async run(graph: GraphDocument, options: RunOptions = {}): Promise<JobResult> {
    const jobId = options.jobId ?? nextJobId();
    const events = jobEvents(jobId, options.onEvent);
    const started = performance.now();

    const index = indexGraph(graph);
    const issues = validateGraph(graph, this.#registry.lookup, index);
    if (issues.length > 0) {
      const message = `the graph is not valid: ${issues.map(formatIssue).join('; ')}`;
      const nodeId = issues[0]?.nodeId;
      events.failed(message, nodeId, issues);
      return {
        jobId,
        status: 'failed',
        artifacts: [],
        error: { ...(nodeId !== undefined ? { nodeId } : {}), message, issues },
      };
    }

    const plan = planExecution(graph, index, this.#registry);
    events.started(plan.nodes.map((n) => n.id));
    // After job:start: a pack the pre-flight opens first (a download) shows as its loader's stage.
    const refused = await this.#preflight(jobId, plan, events, options.signal);
    if (refused) return refused;

    // Linked controller: aborted by the caller, or by us when a node fails, so siblings stop too.
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const job: Job<Services> = {
      graph,
      plan,
      keys: [],
      results: new Array(plan.nodes.length),
      executed: 0,
      cached: 0,
      signal: controller.signal,
      events,
    };

    try {
      job.keys = await computeCacheKeys(plan.nodes, this.#services, controller.signal);
      await runInDependencyOrder(plan, (position) => this.#runNode(job, position), controller);
    } catch (error) {
      if (error instanceof NodeFailure) {
        controller.abort(error);
        events.nodeFailed(error.nodeId, error.message);
        events.failed(error.message, error.nodeId);
        return {
          jobId,
          status: 'failed',
          artifacts: [],
          error: { nodeId: error.nodeId, message: error.message },
        };
      }
      if (!options.signal?.aborted) {
        const message = `internal error: ${messageOf(error)}`;
        events.failed(message);
        return { jobId, status: 'failed', artifacts: [], error: { message } };
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }

    if (options.signal?.aborted) {
      events.cancelled();
      return { jobId, status: 'cancelled', artifacts: [] };
    }
    const artifacts: { nodeId: string; artifact: Artifact }[] = [];
    plan.nodes.forEach((node, position) => {
      for (const artifact of job.results[position]?.artifacts ?? [])
        artifacts.push({ nodeId: node.id, artifact });
    });
    events.done(performance.now() - started, job.executed, job.cached);
    return { jobId, status: 'done', artifacts };
  }

  /** The services node `nodeId` runs with: model loading told as its stages where the host can. */
  #servicesFor(nodeId: string, events: JobEvents): Services {
    if (!this.#servicesForNode) return this.#services;
    return this.#servicesForNode(this.#services, (report) => events.nodeStage(nodeId, report));
  }

  /**
   * What the models cannot take (sizes, widths, dtypes), found from manifests before any node
   * runs: the job fails as an invalid graph would, naming node and param. `undefined`: go on.
   */
  async #preflight(
    jobId: string,
    plan: ExecutionPlan<Services>,
    events: JobEvents,
    signal: AbortSignal | undefined,
  ): Promise<JobResult | undefined> {
    let issues: readonly ValidationIssue[];
    try {
      issues = await preflightPlan(
        plan.nodes,
        (node) => this.#servicesFor(node.id, events),
        signal ?? new AbortController().signal,
      );
    } catch (error) {
      if (signal?.aborted) {
        events.cancelled();
        return { jobId, status: 'cancelled', artifacts: [] };
      }
      const message = `internal error: ${messageOf(error)}`;
      events.failed(message);
      return { jobId, status: 'failed', artifacts: [], error: { message } };
    }
    if (issues.length === 0) return undefined;
    const message = `the models cannot run this graph: ${issues.map(formatIssue).join('; ')}`;
    const nodeId = issues[0]?.nodeId;
    events.failed(message, nodeId, issues);
    return {
      jobId,
      status: 'failed',
      artifacts: [],
      error: { ...(nodeId !== undefined ? { nodeId } : {}), message, issues },
    };
  }

  /** One node: from the cache when its key is there (and it may be), else executed and cached. */
  async #runNode(job: Job<Services>, position: number): Promise<void> {
    const { plan, results, signal, events } = job;
    if (signal.aborted) return;
    const node = plan.nodes[position]!;
    const key = job.keys[position]!;
    const hit = node.definition.alwaysRun ? undefined : this.#cache.get(key);
    if (hit) {
      job.cached += 1;
      results[position] = hit;
      events.nodeCached(node.id);
      for (const artifact of hit.artifacts ?? []) events.nodeOutput(node.id, artifact);
      return;
    }
    events.nodeStarted(node.id);
    const nodeStart = performance.now();
    const result = await this.#execute(job, node, inputsOf(node, plan, results));
    if (signal.aborted) return;
    for (const port of node.definition.outputs) {
      if (!(port.name in result.outputs)) {
        throw new NodeFailure(
          node.id,
          `${node.definition.title} produced no value for output "${port.name}"`,
        );
      }
    }
    job.executed += 1;
    results[position] = result;
    // A node that always runs is never served from the cache: keeping its result would only cost bytes.
    if (!node.definition.alwaysRun) this.#cache.set(key, result);
    for (const artifact of result.artifacts ?? []) events.nodeOutput(node.id, artifact);
    events.nodeDone(node.id, performance.now() - nodeStart);
  }

  async #execute(
    { graph, signal, events }: Job<Services>,
    node: PlannedNode<Services>,
    inputs: Record<string, unknown>,
  ): Promise<NodeResult> {
    try {
      const stage: StageReporter = (report) => events.nodeStage(node.id, report);
      return await node.definition.execute({
        nodeId: node.id,
        inputs,
        params: node.wiredAtRun ? paramsFromWires(node, inputs) : node.params,
        signal,
        services: this.#servicesFor(node.id, events),
        graph,
        progress: (step, total, preview) => events.nodeProgress(node.id, step, total, preview),
        warn: (message) => events.nodeWarning(node.id, message),
        stage,
      });
    } catch (error) {
      if (signal.aborted && !(error instanceof NodeFailure)) throw signal.reason ?? error;
      throw new NodeFailure(node.id, messageOf(error));
    }
  }
}

/**
 * A node's params with those fed by wires from outputs known only at run time put in place,
 * each checked by its param's own rules (an error names the node, the param and the source).
 */
function paramsFromWires<S>(node: PlannedNode<S>, inputs: Readonly<Record<string, unknown>>) {
  const params = { ...node.params };
  for (const name of node.wiredAtRun ?? []) {
    const value = inputs[name];
    const spec = node.definition.params.find((p) => p.name === name)!;
    const source = node.inputs.get(name)!;
    const issue = isJsonScalar(value) ? checkParam(node.id, spec, value) : undefined;
    if (!isJsonScalar(value) || issue) {
      const why = issue?.message ?? `expected a ${spec.kind} value, got ${typeof value}`;
      throw new NodeFailure(
        node.id,
        `param "${name}" of "${node.id}": ${why} (the value comes by wire from "${source.node}.${source.port}")`,
      );
    }
    params[name] = value;
  }
  return params;
}

const isJsonScalar = (value: unknown): value is string | number | boolean =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** The values on a node's inputs, from the results of the nodes that feed it. */
function inputsOf<S>(
  node: PlannedNode<S>,
  plan: ExecutionPlan<S>,
  results: readonly (NodeResult | undefined)[],
): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const [port, source] of node.inputs) {
    inputs[port] = results[plan.positionOf.get(source.node)!]?.outputs[source.port];
  }
  return inputs;
}
