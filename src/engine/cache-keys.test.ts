import { describe, expect, it } from 'vitest';
import {
  type ArithmeticServices,
  arithmeticRegistry,
  arithmeticServices,
  diamondGraph,
} from '../../test/fixtures/arithmetic-registry';
import type { GraphDocument } from '../core/document';
import { indexGraph } from '../core/graph-index';
import type { NodeDefinition } from '../core/node-definition';
import { computeCacheKeys, isKeyedByNodeId } from './cache-keys';
import { Executor } from './executor';
import { planExecution } from './plan';

const renamed = (graph: GraphDocument, from: string, to: string): GraphDocument => ({
  ...graph,
  nodes: graph.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
  edges: graph.edges.map((e) => ({
    from: e.from.node === from ? { ...e.from, node: to } : e.from,
    to: e.to.node === from ? { ...e.to, node: to } : e.to,
  })),
});

/** A constant whose value names its node, as a LoRA value names its loader for messages. */
const namedConstant: NodeDefinition<ArithmeticServices> = {
  type: 'test.named',
  typeVersion: 1,
  title: 'Named',
  category: 'test',
  description: '',
  usesNodeId: true,
  inputs: [],
  outputs: [{ name: 'value', type: 'LATENT' }],
  params: [],
  async execute({ nodeId }) {
    return { outputs: { value: nodeId.length } };
  },
};

describe('cache keys of nodes that depend on their identity', () => {
  it('an output node is keyed by its id: renamed, it runs again and names its artifact after itself', async () => {
    const services = arithmeticServices();
    const executor = new Executor(arithmeticRegistry(), services);
    await executor.run(diamondGraph());
    services.calls.length = 0;
    const result = await executor.run(renamed(diamondGraph(), 'sink', 'preview_b'));
    expect(result.status).toBe('done');
    expect(services.calls).toEqual(['preview_b']); // upstream nodes came from the cache
    expect(result.artifacts.map((a) => a.artifact.fileName).sort()).toEqual(['preview_b.png', 'sink2.png']);
  });

  it('non-output nodes are keyed by content only, unless they say they use their id', async () => {
    const registry = arithmeticRegistry();
    registry.register(namedConstant);
    const graph = diamondGraph();
    graph.nodes.push({ id: 'named', type: 'test.named', typeVersion: 1, params: {} });
    const keysOf = async (g: GraphDocument) => {
      const plan = planExecution(g, indexGraph(g), registry);
      const keys = await computeCacheKeys(plan.nodes, arithmeticServices(), new AbortController().signal);
      return new Map(plan.nodes.map((n, i) => [n.id, keys[i]!]));
    };
    // `named` feeds no output: plan it by wiring it into add2's optional input.
    graph.edges.push({ from: { node: 'named', port: 'value' }, to: { node: 'add2', port: 'c' } });
    const before = await keysOf(graph);
    const afterConstant = await keysOf(renamed(graph, 'a', 'a_renamed'));
    expect(afterConstant.get('a_renamed')).toBe(before.get('a'));
    expect(afterConstant.get('sink')).toBe(before.get('sink'));
    const afterNamed = await keysOf(renamed(graph, 'named', 'other'));
    expect(afterNamed.get('other')).not.toBe(before.get('named'));
    expect(afterNamed.get('add2')).not.toBe(before.get('add2')); // the identity flows downstream
    expect(afterNamed.get('add')).toBe(before.get('add'));
    expect(isKeyedByNodeId(arithmeticRegistry().get('test.sink')!)).toBe(true);
    expect(isKeyedByNodeId(arithmeticRegistry().get('test.add')!)).toBe(false);
  });
});

describe('the executor cache bounded by bytes', () => {
  it('keeps nothing with a zero budget: a re-run executes every node again', async () => {
    const services = arithmeticServices();
    const executor = new Executor(arithmeticRegistry(), services, { cacheBytes: 0 });
    await executor.run(diamondGraph());
    expect(executor.cacheSize).toBe(0);
    services.calls.length = 0;
    await executor.run(diamondGraph());
    expect(services.calls).toHaveLength(7);
  });

  it('counts what it keeps, and a budget for a few results keeps the most recent ones', async () => {
    const services = arithmeticServices();
    const roomy = new Executor(arithmeticRegistry(), services);
    await roomy.run(diamondGraph());
    expect(roomy.cacheSize).toBe(7);
    const perEntry = roomy.cacheBytes / 7;
    const tight = new Executor(arithmeticRegistry(), services, { cacheBytes: Math.ceil(perEntry * 2.5) });
    await tight.run(diamondGraph());
    expect(tight.cacheSize).toBe(2);
    expect(tight.cacheBytes).toBeLessThanOrEqual(Math.ceil(perEntry * 2.5));
  });
});
