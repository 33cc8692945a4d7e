import { describe, expect, it } from 'vitest';
import {
  type ArithmeticServices,
  arithmeticRegistry,
  arithmeticServices,
  edge,
  node,
} from '../../test/fixtures/arithmetic-registry';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from '../core/document';
import { type NodeDefinition, NodeRegistry } from '../core/node-definition';
import type { EngineEvent } from './events';
import { Executor } from './executor';

/** What a constant declares: its value and where it comes from. */
interface ValueFact {
  readonly value: number;
  readonly nodeId: string;
}

/**
 * The arithmetic nodes with pre-flight hooks: a constant declares its value; the sink refuses a
 * value over 100 naming the constant's param (as the sampler names Empty Latent's width); Slow
 * has no hook and passes the fact through; a constant whose id starts with `x` has a hook that throws.
 */
function preflightRegistry(): NodeRegistry<ArithmeticServices> {
  const definitions = arithmeticRegistry()
    .list()
    .map((definition): NodeDefinition<ArithmeticServices> => {
      if (definition.type === 'test.constant') {
        return {
          ...definition,
          preflight({ nodeId, params }) {
            if (nodeId.startsWith('x')) throw new Error('cannot tell');
            const fact: ValueFact = { value: Number(params.value), nodeId };
            return { outputs: { value: fact } };
          },
        };
      }
      if (definition.type === 'test.sink') {
        return {
          ...definition,
          preflight({ inputs, services }) {
            services.calls.push('sink preflight');
            const fact = inputs.value as ValueFact | undefined;
            if (!fact || fact.value <= 100) return {};
            return {
              issues: [
                {
                  code: 'node_rule',
                  nodeId: fact.nodeId,
                  param: 'value',
                  message: `${fact.value} is more than the sink takes (100)`,
                },
              ],
            };
          },
        };
      }
      return definition;
    });
  return new NodeRegistry(definitions);
}

function chain(constantId: string, value: number): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    nodes: [
      node(constantId, 'constant', { value }),
      node('slow', 'slow', { steps: 1 }),
      node('sink', 'sink'),
    ],
    edges: [edge(constantId, 'value', 'slow', 'x'), edge('slow', 'x', 'sink', 'value')],
  };
}

async function run(graph: GraphDocument, signal?: AbortSignal) {
  const services = arithmeticServices();
  const executor = new Executor(preflightRegistry(), services);
  const events: EngineEvent[] = [];
  const result = await executor.run(graph, { onEvent: (e) => events.push(e), ...(signal ? { signal } : {}) });
  return { result, events, services };
}

describe('pre-flight', () => {
  it('refuses the job before any node runs, naming the node and param a fact came from (through a node without a hook)', async () => {
    const { result, events, services } = await run(chain('a', 500));
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      nodeId: 'a',
      message:
        'the models cannot run this graph: node "a" param "value": 500 is more than the sink takes (100)',
      issues: [
        { code: 'node_rule', nodeId: 'a', param: 'value', message: '500 is more than the sink takes (100)' },
      ],
    });
    expect(events.map((e) => e.type)).toEqual(['job:start', 'job:failed']);
    expect(services.calls).toEqual(['sink preflight']);
  });

  it('lets a graph the hooks accept run as before', async () => {
    const { result, services } = await run(chain('a', 50));
    expect(result.status).toBe('done');
    expect(services.calls).toEqual(['sink preflight', 'a', 'slow', 'sink']);
  });

  it('skips a hook that throws: the node meets its problem when it runs', async () => {
    const { result } = await run(chain('x', 500));
    expect(result.status).toBe('done');
  });

  it('is cancelled with the job', async () => {
    const controller = new AbortController();
    controller.abort();
    const { result, services } = await run(chain('a', 500), controller.signal);
    expect(result.status).toBe('cancelled');
    expect(services.calls).toEqual([]);
  });
});
