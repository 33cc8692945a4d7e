import type { EngineApi } from '../engine/engine-api';
import { createRemoteEngine } from './remote-engine';
import {
  type EngineChoice,
  readEngineChoice,
  readEngineToken,
  writeEngineChoice,
} from './remote-engine-choice';

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

let remote: { readonly url: string; readonly token?: string; readonly api: EngineApi } | undefined;

/** The stored Engine choice (Models > Engine): a server's client, made once per URL and token. */
function remoteEngine(): EngineApi | undefined {
  const choice = readEngineChoice();
  if (choice.kind !== 'server') return undefined;
  const token = readEngineToken();
  if (remote?.url !== choice.url || remote.token !== token)
    remote = {
      url: choice.url,
      ...(token ? { token } : {}),
      api: createRemoteEngine({ url: choice.url, ...(token ? { token } : {}) }),
    };
  return remote.api;
}

/** Switches the editor's engine (kept across reloads); runs already started finish (or cancel) where they run. */
export function chooseEngine(choice: EngineChoice, token?: string): void {
  writeEngineChoice(choice, token);
  remote = undefined;
}

function chosenEngine(): EngineApi {
  const server = remoteEngine();
  if (server) return server;
  if (!instance) {
    if (!factory) throw new Error('no engine: the app was started without an engine worker');
    instance = factory();
  }
  return instance;
}

/** Which engine runs each job, so a cancel after an Engine switch still reaches it. */
const owners = new Map<string, EngineApi>();

const routed: EngineApi = {
  async run(graph, options, onEvent) {
    const api = chosenEngine();
    owners.set(options.jobId, api);
    try {
      return await api.run(graph, options, onEvent);
    } finally {
      owners.delete(options.jobId);
    }
  },
  cancel: (jobId) => (owners.get(jobId) ?? chosenEngine()).cancel(jobId),
  loadPack: (source, onProgress) => chosenEngine().loadPack(source, onProgress),
  loadPackFiles: (name, files, onProgress) => chosenEngine().loadPackFiles(name, files, onProgress),
  status: () => chosenEngine().status(),
};

export function engine(): EngineApi {
  return routed;
}
