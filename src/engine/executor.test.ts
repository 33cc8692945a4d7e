import { describe, expect, it } from 'vitest';
import {
  arithmeticRegistry,
  arithmeticServices,
  diamondGraph,
  edge,
  node,
} from '../../test/fixtures/arithmetic-registry';
import type { GraphDocument } from '../core/document';
import type { EngineEvent } from './events';
import { Executor } from './executor';

function setup() {
  const services = arithmeticServices();
  const executor = new Executor(arithmeticRegistry(), services);
  return { services, executor };
}

async function runCollect(
  executor: Executor<ReturnType<typeof arithmeticServices>>,
  graph: GraphDocument,
  signal?: AbortSignal,
) {
  const events: EngineEvent[] = [];
  const result = await executor.run(graph, { onEvent: (e) => events.push(e), ...(signal ? { signal } : {}) });
  return { result, events };
}

const sinkValue = (result: Awaited<ReturnType<Executor<unknown>['run']>>, id: string) =>
  result.artifacts.flatMap(({ nodeId, artifact }) =>
    nodeId === id && artifact.kind === 'image' ? [artifact.image.data[0]] : [],
  )[0];

describe('Executor', () => {
  it('runs nodes in dependency order and produces output artifacts', async () => {
    const { executor, services } = setup();
    const { result, events } = await runCollect(executor, diamondGraph());
    expect(result.status).toBe('done');
    expect(sinkValue(result, 'sink')).toBe(3);
    expect(sinkValue(result, 'sink2')).toBe(13);
    const position = (id: string) => services.calls.indexOf(id);
    expect(position('a')).toBeLessThan(position('add'));
    expect(position('b')).toBeLessThan(position('add'));
    expect(position('add')).toBeLessThan(position('add2'));
    expect(position('add2')).toBeLessThan(position('sink2'));
    expect(events[0]?.type).toBe('job:start');
    expect(events.at(-1)).toMatchObject({ type: 'job:done', executed: 7, cached: 0 });
  });

  it('runs only nodes that feed an output', async () => {
    const { executor, services } = setup();
    const graph = diamondGraph();
    graph.nodes.push(node('stray', 'constant', { value: 5 }), node('stray_add', 'add'));
    graph.edges.push(edge('stray', 'value', 'stray_add', 'a'));
    const { result } = await runCollect(executor, graph);
    expect(result.status).toBe('done');
    expect(services.calls).not.toContain('stray');
    expect(services.calls).not.toContain('stray_add');
  });

  it('re-running an unchanged graph executes nothing', async () => {
    const { executor, services } = setup();
    await runCollect(executor, diamondGraph());
    services.calls.length = 0;
    const { result, events } = await runCollect(executor, diamondGraph());
    expect(services.calls).toEqual([]);
    expect(events.filter((e) => e.type === 'node:cached')).toHaveLength(7);
    expect(sinkValue(result, 'sink2')).toBe(13);
    // Cached output nodes still hand their artifacts to the host.
    expect(result.artifacts).toHaveLength(2);
  });

  it('changing one param re-runs exactly its downstream', async () => {
    const { executor, services } = setup();
    await runCollect(executor, diamondGraph());
    services.calls.length = 0;
    const graph = diamondGraph();
    graph.nodes.find((n) => n.id === 'c')!.params.value = 20;
    const { result } = await runCollect(executor, graph);
    expect(services.calls.sort()).toEqual(['add2', 'c', 'sink2']);
    expect(sinkValue(result, 'sink2')).toBe(23);
  });

  it('layout and node ids do not change cache keys, rewiring does', async () => {
    const { executor, services } = setup();
    await runCollect(executor, diamondGraph());
    services.calls.length = 0;
    const moved: GraphDocument = { ...diamondGraph(), layout: { nodes: { a: { x: 100, y: 5 } } } };
    await runCollect(executor, moved);
    expect(services.calls).toEqual([]);
    const rewired = diamondGraph();
    rewired.edges = rewired.edges.map((e) =>
      e.to.node === 'add2' && e.to.port === 'b' ? edge('b', 'value', 'add2', 'b') : e,
    );
    rewired.nodes = rewired.nodes.filter((n) => n.id !== 'c');
    await runCollect(executor, rewired);
    expect(services.calls.sort()).toEqual(['add2', 'sink2']);
  });

  it('fails with the node id and stops downstream nodes when a node throws', async () => {
    const { executor, services } = setup();
    services.failing.add('add');
    const { result, events } = await runCollect(executor, diamondGraph());
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ nodeId: 'add', message: 'cannot add these' });
    expect(events).toContainEqual(expect.objectContaining({ type: 'node:error', nodeId: 'add' }));
    expect(events.at(-1)).toMatchObject({ type: 'job:failed', nodeId: 'add' });
    expect(services.calls).not.toContain('add2');
    expect(services.calls).not.toContain('sink');
    expect(result.artifacts).toEqual([]);
    // The failure is not cached: fixing the cause makes the next run succeed.
    services.failing.clear();
    const { result: retry } = await runCollect(executor, diamondGraph());
    expect(retry.status).toBe('done');
  });

  it('refuses an invalid graph before running anything, naming the node', async () => {
    const { executor, services } = setup();
    const graph = diamondGraph();
    graph.edges = graph.edges.filter((e) => !(e.to.node === 'add' && e.to.port === 'b'));
    const { result } = await runCollect(executor, graph);
    expect(result.status).toBe('failed');
    expect(result.error?.issues).toContainEqual(
      expect.objectContaining({ code: 'missing_input', nodeId: 'add', port: 'b' }),
    );
    expect(services.calls).toEqual([]);
  });

  function slowGraph(steps: number): GraphDocument {
    return {
      ...diamondGraph(),
      nodes: [node('a', 'constant', { value: 4 }), node('slow', 'slow', { steps }), node('sink', 'sink')],
      edges: [edge('a', 'value', 'slow', 'x'), edge('slow', 'x', 'sink', 'value')],
    };
  }

  it('cancels a job between steps, emits no outputs, and the next run works', async () => {
    const { executor, services } = setup();
    services.stepDelayMs = 5;
    const controller = new AbortController();
    const events: EngineEvent[] = [];
    const pending = executor.run(slowGraph(50), {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'node:progress' && e.step === 3) controller.abort();
      },
    });
    const result = await pending;
    expect(result.status).toBe('cancelled');
    expect(events.at(-1)).toEqual({ type: 'job:cancelled', jobId: result.jobId });
    const steps = events.filter((e) => e.type === 'node:progress').length;
    expect(steps).toBeLessThanOrEqual(4);
    expect(services.calls).not.toContain('sink');
    expect(result.artifacts).toEqual([]);

    services.stepDelayMs = 0;
    const again = await executor.run(slowGraph(5));
    expect(again.status).toBe('done');
  });

  it('cancelling one job does not touch another running job', async () => {
    const { executor, services } = setup();
    services.stepDelayMs = 2;
    const first = new AbortController();
    const a = executor.run(slowGraph(30), { signal: first.signal });
    const b = executor.run(slowGraph(31));
    setTimeout(() => first.abort(), 10);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.status).toBe('cancelled');
    expect(rb.status).toBe('done');
  });

  it('reports per-step progress for the running node', async () => {
    const { executor } = setup();
    const { events } = await runCollect(executor, slowGraph(3));
    const progress = events.filter((e) => e.type === 'node:progress');
    expect(progress.map((e) => (e.type === 'node:progress' ? [e.nodeId, e.step, e.total] : []))).toEqual([
      ['slow', 1, 3],
      ['slow', 2, 3],
      ['slow', 3, 3],
    ]);
  });
});

describe('progress back-pressure', () => {
  it('a node awaiting progress waits for the listener, so a cancel sent in reply stops the next step', async () => {
    const services = arithmeticServices();
    services.stepDelayMs = 0;
    const executor = new Executor(arithmeticRegistry(), services);
    const controller = new AbortController();
    const steps: number[] = [];
    const graph: GraphDocument = {
      ...diamondGraph(),
      nodes: [node('a', 'constant', { value: 4 }), node('slow', 'slow', { steps: 50 }), node('sink', 'sink')],
      edges: [edge('a', 'value', 'slow', 'x'), edge('slow', 'x', 'sink', 'value')],
    };
    const result = await executor.run(graph, {
      signal: controller.signal,
      onEvent: async (e) => {
        if (e.type !== 'node:progress') return;
        steps.push(e.step);
        // A slow listener (another thread): the node must not run ahead of it.
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (e.step === 3) controller.abort();
      },
    });
    expect(result.status).toBe('cancelled');
    expect(steps).toEqual([1, 2, 3]);
  });
});
