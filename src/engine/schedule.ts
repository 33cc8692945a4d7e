/** The dependency structure a scheduler needs (an `ExecutionPlan` has it). */
export interface DependencyGraph {
  /** Position -> how many distinct positions it waits for. */
  readonly dependencyCount: Int32Array;
  /** Position -> positions that wait for it, each once. */
  readonly dependents: readonly (readonly number[])[];
}

/**
 * Runs `task(position)` for each position once every position it depends on finished, starting
 * independent ones together (they overlap where they await, e.g. ORT runs). A ready queue fed by
 * in-degree counts: each task start and each dependency is handled once, so scheduling is linear
 * in the nodes and edges (ComfyUI's `ExecutionList` keeps a block count per node the same way).
 *
 * No task starts once `controller` is aborted. When a task throws, `controller` is aborted with
 * the error, running tasks are waited for (they see the aborted signal), and the first error is
 * thrown. A cancelled run resolves once its running tasks settled.
 */
export function runInDependencyOrder(
  graph: DependencyGraph,
  task: (position: number) => Promise<void>,
  controller: AbortController,
): Promise<void> {
  const { dependencyCount, dependents } = graph;
  const waiting = dependencyCount.slice();
  return new Promise<void>((resolve, reject) => {
    let running = 0;
    let failure: { error: unknown } | undefined;
    const settleIfIdle = () => {
      if (running > 0) return;
      if (failure) reject(failure.error);
      else resolve();
    };
    const start = (position: number) => {
      running += 1;
      let pending: Promise<void>;
      try {
        pending = task(position);
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        () => {
          running -= 1;
          if (!failure && !controller.signal.aborted) {
            for (const next of dependents[position]!) {
              waiting[next]! -= 1;
              if (waiting[next] === 0) start(next);
            }
          }
          settleIfIdle();
        },
        (error: unknown) => {
          running -= 1;
          if (!failure) {
            failure = { error };
            controller.abort(error);
          }
          settleIfIdle();
        },
      );
    };
    for (let position = 0; position < waiting.length; position++) {
      if (controller.signal.aborted) break;
      if (waiting[position] === 0) start(position);
    }
    settleIfIdle();
  });
}
