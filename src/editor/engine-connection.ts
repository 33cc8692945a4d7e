import type { EngineApi } from '../engine/engine-api';

/**
 * The one engine the editor talks to (the worker client, chosen in main.tsx).
 * Everything else asks `engine()`; nothing reaches into the engine's state.
 */
let factory: (() => EngineApi) | undefined;
let instance: EngineApi | undefined;

export function provideEngine(create: () => EngineApi): void {
  factory = create;
  instance = undefined;
}

export function engine(): EngineApi {
  if (!instance) {
    if (!factory) throw new Error('no engine: the app was started without an engine worker');
    instance = factory();
  }
  return instance;
}
