import { describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from '../core/document';
import { type NodeDefinition, NodeRegistry } from '../core/node-definition';
import { Executor } from './executor';

/**
 * A param wired from an output known only at run time (not a primitive): the executor puts the
 * value in the param's place when the node runs, checked by the param's own rules.
 */
const count: NodeDefinition<undefined> = {
  type: 'test.count',
  typeVersion: 1,
  title: 'Count',
  category: 'test',
  description: 'Twice its param, as an INT (computed, so not known before the run).',
  inputs: [],
  outputs: [{ name: 'n', type: 'INT' }],
  params: [{ kind: 'int', name: 'half', default: 1 }],
  async execute({ params }) {
    return { outputs: { n: 2 * Number(params.half) } };
  },
};

const repeat: NodeDefinition<undefined> = {
  type: 'test.repeat',
  typeVersion: 1,
  title: 'Repeat',
  category: 'test',
  description: 'An output node that writes its `times` param.',
  isOutput: true,
  inputs: [],
  outputs: [],
  params: [{ kind: 'int', name: 'times', default: 1, min: 1, max: 10 }],
  async execute({ params }) {
    const image = { width: 1, height: 1, data: new Uint8Array([Number(params.times), 0, 0]) };
    return { outputs: {}, artifacts: [{ kind: 'image', fileName: 'out.png', image }] };
  },
};

const graph = (half: number): GraphDocument => ({
  format: GRAPH_FORMAT,
  version: GRAPH_VERSION,
  nodes: [
    { id: 'count', type: 'test.count', typeVersion: 1, params: { half } },
    { id: 'out', type: 'test.repeat', typeVersion: 1, params: { times: 1 } },
  ],
  edges: [{ from: { node: 'count', port: 'n' }, to: { node: 'out', port: 'times' } }],
});

describe('params wired from outputs known at run time', () => {
  const executor = () => new Executor(new NodeRegistry([count, repeat]), undefined);

  it('run with the value that came on the wire', async () => {
    const result = await executor().run(graph(3));
    expect(result.status).toBe('done');
    const artifact = result.artifacts[0]?.artifact;
    expect(artifact?.kind === 'image' && artifact.image.data[0]).toBe(6);
  });

  it("a value that breaks the param's rules fails the node, naming the param and the source", async () => {
    const result = await executor().run(graph(8));
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      nodeId: 'out',
      message: 'param "times" of "out": must be at most 10 (got 16) (the value comes by wire from "count.n")',
    });
  });
});
