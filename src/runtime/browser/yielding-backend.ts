import type { ModelSession, OrtBackend } from '../ort/model-session';

/** Resolves in a new task (a message, not a clamped timer), so queued messages run first. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/**
 * A backend whose sessions give the worker's event loop a turn after every
 * model call. onnxruntime-web's wasm backend can finish `run` in microtasks
 * only; without a task boundary a `cancel` message would wait until the whole
 * job ended. With it, cancelling takes effect within one sampler step.
 */
export function yieldingBackend(backend: OrtBackend): OrtBackend {
  return {
    name: backend.name,
    ...(backend.checkModelSize ? { checkModelSize: backend.checkModelSize.bind(backend) } : {}),
    async createSession(model, label) {
      const session = await backend.createSession(model, label);
      const yielding: ModelSession = {
        label: session.label,
        inputs: session.inputs,
        outputs: session.outputs,
        async run(feeds, outputNames) {
          const result = await session.run(feeds, outputNames);
          await nextTask();
          return result;
        },
        release: () => session.release(),
      };
      return yielding;
    },
  };
}
