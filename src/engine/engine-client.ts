import * as Comlink from 'comlink';
import type { GraphDocument } from '../core/document';
import type {
  EngineApi,
  EngineRunOptions,
  EngineStatus,
  PackFile,
  PackInfo,
  PackLoadProgress,
} from './engine-api';
import type { EngineEvent, JobResult } from './events';

/** One started worker as the client sees it, whatever kind (module worker, worker_threads). */
export interface WorkerConnection {
  /** The comlink endpoint of the worker (the Worker itself, or comlink's node adapter around it). */
  readonly endpoint: Comlink.Endpoint;
  /**
   * Calls `listener` when the worker dies or reports an uncaught error (an
   * exception escaping a node, a lost WebGPU device, out of memory).
   */
  onFault(listener: (reason: string) => void): void;
  /** Stops the worker at once. */
  terminate(): void;
}

export interface EngineClientOptions {
  /** Starts a worker running the engine (called again after a fault). */
  spawn(): WorkerConnection;
  /** Told whenever a worker is replaced after a fault (e.g. to log it). */
  onRestart?(reason: string): void;
}

/** The engine in a worker: `EngineApi`, plus control over the worker itself. */
export interface EngineClient extends EngineApi {
  /**
   * Stops the worker as a crash would: the running jobs fail with `reason`
   * (naming the node that was running) and the next call starts a new worker.
   */
  terminateWorker(reason?: string): void;
  /** Stops the worker for good (e.g. when the CLI is done). */
  dispose(): void;
  /** How many times a worker was replaced after a fault. */
  readonly restarts: number;
}

interface Generation {
  readonly connection: WorkerConnection;
  readonly remote: Comlink.Remote<EngineApi>;
  /** Resolves with the reason once this worker is gone. */
  readonly fault: Promise<string>;
  dead: boolean;
  kill(reason: string): void;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A typed client for the engine worker: creates the worker on first use,
 * wraps it with comlink, and restarts it after a fault. A fault fails the
 * job that was running with an error naming the node that was running (the
 * client follows the job's events); the caller's graph is never touched
 * (it crosses as a structured clone).
 */
export function createEngineClient(options: EngineClientOptions): EngineClient {
  let current: Generation | undefined;
  let restarts = 0;
  let disposed = false;

  const start = (): Generation => {
    const connection = options.spawn();
    let resolveFault: (reason: string) => void = () => undefined;
    const fault = new Promise<string>((resolve) => {
      resolveFault = resolve;
    });
    const generation: Generation = {
      connection,
      remote: Comlink.wrap<EngineApi>(connection.endpoint),
      fault,
      dead: false,
      kill(reason) {
        if (generation.dead) return;
        generation.dead = true;
        resolveFault(reason);
        try {
          connection.terminate();
        } catch {
          // already gone
        }
        if (!disposed) {
          restarts += 1;
          options.onRestart?.(reason);
        }
      },
    };
    connection.onFault((reason) => generation.kill(reason));
    return generation;
  };

  const worker = (): Generation => {
    if (disposed) throw new Error('the engine client was disposed');
    if (!current || current.dead) current = start();
    return current;
  };

  /** `call`'s result, or the reason the worker died first. */
  const guarded = async <T>(generation: Generation, call: Promise<T>): Promise<Outcome<T>> =>
    Promise.race([
      call.then((value): Outcome<T> => ({ ok: true, value })),
      generation.fault.then((reason): Outcome<T> => ({ ok: false, reason })),
    ]);

  return {
    get restarts() {
      return restarts;
    },

    async run(
      graph: GraphDocument,
      runOptions: EngineRunOptions,
      onEvent: (event: EngineEvent) => void,
    ): Promise<JobResult> {
      const { jobId } = runOptions;
      const running: string[] = [];
      let lastNode: string | undefined;
      const listener = (event: EngineEvent) => {
        if (event.type === 'node:start') {
          running.push(event.nodeId);
          lastNode = event.nodeId;
        } else if (event.type === 'node:done' || event.type === 'node:error') {
          const at = running.indexOf(event.nodeId);
          if (at >= 0) running.splice(at, 1);
        }
        onEvent(event);
      };
      const generation = worker();
      let outcome: Outcome<JobResult>;
      try {
        outcome = await guarded(
          generation,
          generation.remote.run(graph, runOptions, Comlink.proxy(listener)),
        );
      } catch (error) {
        outcome = { ok: false, reason: messageOf(error) };
      }
      if (outcome.ok) return outcome.value;

      // The worker died (or could not start): fail this job, naming the node that was running.
      const nodeId = running.at(-1) ?? lastNode;
      const message = nodeId
        ? `the engine worker stopped while node "${nodeId}" was running: ${outcome.reason}`
        : `the engine worker stopped: ${outcome.reason}`;
      if (!generation.dead) generation.kill(outcome.reason);
      if (nodeId) onEvent({ type: 'node:error', jobId, nodeId, message });
      onEvent({ type: 'job:failed', jobId, ...(nodeId ? { nodeId } : {}), message });
      return { jobId, status: 'failed', artifacts: [], error: { ...(nodeId ? { nodeId } : {}), message } };
    },

    async cancel(jobId: string): Promise<void> {
      const generation = current;
      if (!generation || generation.dead) return;
      await guarded(generation, generation.remote.cancel(jobId));
    },

    async loadPack(source: string, onProgress?: (progress: PackLoadProgress) => void): Promise<PackInfo> {
      const generation = worker();
      const outcome = await guarded(
        generation,
        generation.remote.loadPack(source, onProgress ? Comlink.proxy(onProgress) : undefined),
      );
      if (outcome.ok) return outcome.value;
      throw new Error(`the engine worker stopped while loading the pack ${source}: ${outcome.reason}`);
    },

    async loadPackFiles(
      name: string,
      files: readonly PackFile[],
      onProgress?: (progress: PackLoadProgress) => void,
    ): Promise<PackInfo> {
      const generation = worker();
      const outcome = await guarded(
        generation,
        generation.remote.loadPackFiles(name, files, onProgress ? Comlink.proxy(onProgress) : undefined),
      );
      if (outcome.ok) return outcome.value;
      throw new Error(`the engine worker stopped while opening the folder ${name}: ${outcome.reason}`);
    },

    async status(): Promise<EngineStatus> {
      for (let attempt = 0; ; attempt++) {
        const generation = worker();
        const outcome = await guarded(generation, generation.remote.status());
        if (outcome.ok) return outcome.value;
        if (attempt >= 1) throw new Error(`the engine worker cannot start: ${outcome.reason}`);
      }
    },

    terminateWorker(reason = 'the engine worker was terminated') {
      current?.kill(reason);
    },

    dispose() {
      disposed = true;
      current?.kill('the engine client was disposed');
      current = undefined;
    },
  };
}
