import { describe, expect, it } from 'vitest';
import {
  arithmeticRegistry,
  arithmeticServices,
  diamondGraph,
  edge,
} from '../../test/fixtures/arithmetic-registry';
import type { GraphDocument, NodeMode } from '../core/document';
import { indexGraph } from '../core/graph-index';
import type { EngineEvent } from './events';
import { Executor } from './executor';
import { planExecution } from './plan';

/** The diamond (a=1, b=2 -> add -> sink; add, c=10 -> add2 -> sink2) with some nodes' modes set. */
function withModes(modes: Record<string, NodeMode>): GraphDocument {
  const g = diamondGraph();
  g.nodes = g.nodes.map((n) => (modes[n.id] ? { ...n, mode: modes[n.id] } : n));
  return g;
}

const sinkValue = (result: Awaited<ReturnType<Executor<unknown>['run']>>, id: string) =>
  result.artifacts.flatMap(({ nodeId, artifact }) =>
    nodeId === id && artifact.kind === 'image' ? [artifact.image.data[0]] : [],
  )[0];

describe('planExecution with modes', () => {
  it('leaves muted and bypassed nodes out and feeds a bypassed node consumers from its input', () => {
    const registry = arithmeticRegistry();
    const g = withModes({ add2: 'bypass', c: 'mute' });
    const plan = planExecution(g, indexGraph(g), registry);
    expect(plan.nodes.map((n) => n.id)).toEqual(['a', 'b', 'add', 'sink', 'sink2']);
    expect(plan.nodes.find((n) => n.id === 'sink2')?.inputs.get('value')).toEqual({
      node: 'add',
      port: 'sum',
    });
    expect(plan.dependents[plan.positionOf.get('add')!]).toEqual([
      plan.positionOf.get('sink'),
      plan.positionOf.get('sink2'),
    ]);
  });

  it('plans nothing upstream of a muted output only', () => {
    const registry = arithmeticRegistry();
    const g = withModes({ sink2: 'mute' });
    const plan = planExecution(g, indexGraph(g), registry);
    expect(plan.nodes.map((n) => n.id)).toEqual(['a', 'b', 'add', 'sink']);
  });
});

describe('Executor with modes', () => {
  it('runs a bypassed node as a pass-through: its consumer gets its input value, it never runs', async () => {
    const services = arithmeticServices();
    const executor = new Executor(arithmeticRegistry(), services);
    const result = await executor.run(withModes({ add2: 'bypass' }));
    expect(result.status).toBe('done');
    expect(sinkValue(result, 'sink2')).toBe(3);
    expect(services.calls).not.toContain('add2');
  });

  it('does not run a muted output node or what only it needs', async () => {
    const services = arithmeticServices();
    const executor = new Executor(arithmeticRegistry(), services);
    const events: EngineEvent[] = [];
    const result = await executor.run(withModes({ sink2: 'mute' }), { onEvent: (e) => events.push(e) });
    expect(result.status).toBe('done');
    expect(result.artifacts.map((a) => a.nodeId)).toEqual(['sink']);
    expect([...services.calls].sort()).toEqual(['a', 'add', 'b', 'sink']);
  });

  it('refuses a graph whose muted node feeds a required input, naming both', async () => {
    const executor = new Executor(arithmeticRegistry(), arithmeticServices());
    const result = await executor.run(withModes({ add: 'mute' }));
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(
      /node "add2" port "a": required LATENT input "a" comes from muted node "add"/,
    );
  });

  it('a bypassed node keys its consumers as if they were wired to its input (the cache is reused)', async () => {
    const services = arithmeticServices();
    const executor = new Executor(arithmeticRegistry(), services);
    const direct = diamondGraph();
    direct.nodes = direct.nodes.filter((n) => n.id !== 'add2');
    direct.edges = direct.edges.filter((e) => e.to.node !== 'add2' && e.from.node !== 'add2');
    direct.edges.push(edge('add', 'sum', 'sink2', 'value'));
    await executor.run(direct);
    services.calls.length = 0;
    const result = await executor.run(withModes({ add2: 'bypass' }));
    expect(result.status).toBe('done');
    expect(services.calls).toEqual([]);
  });
});
