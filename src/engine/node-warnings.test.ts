import { describe, expect, it } from 'vitest';
import {
  type ArithmeticServices,
  arithmeticRegistry,
  arithmeticServices,
  diamondGraph,
  edge,
  node,
} from '../../test/fixtures/arithmetic-registry';
import type { GraphDocument } from '../core/document';
import type { NodeDefinition } from '../core/node-definition';
import type { EngineEvent } from './events';
import { Executor } from './executor';

/** Passes its input through and warns once per run, like a LoRA with an unmatched key. */
const warny: NodeDefinition<ArithmeticServices> = {
  type: 'test.warny',
  typeVersion: 1,
  title: 'Warny',
  category: 'test',
  description: '',
  inputs: [{ name: 'x', type: 'LATENT' }],
  outputs: [{ name: 'x', type: 'LATENT' }],
  params: [{ kind: 'string', name: 'note', default: 'key lora_te_x matched no weight' }],
  async execute({ nodeId, inputs, params, services, warn }) {
    services.calls.push(nodeId);
    warn(String(params.note));
    return { outputs: { x: inputs.x } };
  },
};

function graph(note?: string): GraphDocument {
  return {
    ...diamondGraph(),
    nodes: [
      node('a', 'constant', { value: 4 }),
      node('w', 'warny', note === undefined ? {} : { note }),
      node('sink', 'sink'),
    ],
    edges: [edge('a', 'value', 'w', 'x'), edge('w', 'x', 'sink', 'value')],
  };
}

describe('node warnings', () => {
  const setup = () => {
    const registry = arithmeticRegistry();
    registry.register(warny);
    const services = arithmeticServices();
    return { executor: new Executor(registry, services), services };
  };
  const collect = async (executor: Executor<ArithmeticServices>, g: GraphDocument) => {
    const events: EngineEvent[] = [];
    const result = await executor.run(g, { onEvent: (e) => events.push(e) });
    return { result, events };
  };

  it('reach the host as node:warning between the node start and done, and the job still succeeds', async () => {
    const { executor } = setup();
    const { result, events } = await collect(executor, graph());
    expect(result.status).toBe('done');
    const types = events.filter((e) => 'nodeId' in e && e.nodeId === 'w').map((e) => e.type);
    expect(types).toEqual(['node:start', 'node:warning', 'node:done']);
    expect(events).toContainEqual({
      type: 'node:warning',
      jobId: result.jobId,
      nodeId: 'w',
      message: 'key lora_te_x matched no weight',
    });
  });

  it('a cached node replays no warning; a changed param runs it and warns again', async () => {
    const { executor, services } = setup();
    await collect(executor, graph());
    services.calls.length = 0;
    const again = await collect(executor, graph());
    expect(services.calls).toEqual([]);
    expect(again.events.some((e) => e.type === 'node:warning')).toBe(false);
    expect(again.events).toContainEqual(expect.objectContaining({ type: 'node:cached', nodeId: 'w' }));
    const changed = await collect(executor, graph('another'));
    expect(changed.events.filter((e) => e.type === 'node:warning')).toHaveLength(1);
  });
});
