import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { NODE_SPECS } from '../../nodes/specs';
import { computeCacheKeys } from '../engine/cache-keys';
import { planExecution } from '../engine/plan';
import { canConnect } from './can-connect';
import type { GraphDocument, GraphNode } from './document';
import { indexGraph } from './graph-index';
import { loadGraphDocument } from './load-document';
import { NodeSpecRegistry } from './node-spec-registry';
import { applyParamAssignments } from './param-overrides';
import { validateGraph } from './validate';
import { GraphValidationError } from './validation-error';
import { resolveWiredParams, wiredParamsOf } from './wired-params';

const lookup = new NodeSpecRegistry(NODE_SPECS).lookup;

/** The compare example (two samplers, stored seed 7 each) with a Primitive Seed wired to both. */
function compare(seed = 5, extra: GraphNode[] = []): GraphDocument {
  const json: unknown = JSON.parse(readFileSync('public/examples/compare.json', 'utf8'));
  const graph = loadGraphDocument(json, lookup).graph;
  return {
    ...graph,
    nodes: [
      ...graph.nodes,
      { id: 'seed1', type: 'primitive.seed', typeVersion: 1, params: { seed } },
      ...extra,
    ],
    edges: [
      ...graph.edges,
      { from: { node: 'seed1', port: 'seed' }, to: { node: 'sampler_sd', port: 'seed' } },
      { from: { node: 'seed1', port: 'seed' }, to: { node: 'sampler_kosmos', port: 'seed' } },
    ],
  };
}

const withEdge = (graph: GraphDocument, from: [string, string], to: [string, string]): GraphDocument => ({
  ...graph,
  edges: [...graph.edges, { from: { node: from[0], port: from[1] }, to: { node: to[0], port: to[1] } }],
});

describe('params fed by wires', () => {
  it('a Primitive Seed wired to two samplers is valid and gives both its seed', () => {
    const graph = compare(5);
    expect(validateGraph(graph, lookup)).toEqual([]);
    const { values, issues } = resolveWiredParams(graph, lookup);
    expect(issues).toEqual([]);
    expect(values.get('sampler_sd')).toEqual({ seed: 5 });
    expect(values.get('sampler_kosmos')).toEqual({ seed: 5 });
    // The stored seeds stay in the document (unwiring restores them).
    expect(graph.nodes.find((n) => n.id === 'sampler_sd')?.params.seed).toBe(7);
  });

  it('static checks: the socket type, naming the param', () => {
    const graph = compare(5, [{ id: 'f', type: 'primitive.float', typeVersion: 1, params: { value: 2.5 } }]);
    const verdict = canConnect(
      graph,
      { node: 'f', port: 'value' },
      { node: 'latent', port: 'width' },
      lookup,
    );
    expect(verdict).toMatchObject({ ok: false, code: 'type_mismatch' });
    expect(verdict.ok || verdict.reason).toBe(
      'type mismatch: FLOAT output "value" cannot feed INT param "width"',
    );
    const issues = validateGraph(withEdge(graph, ['f', 'value'], ['latent', 'width']), lookup);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'type_mismatch', nodeId: 'latent', port: 'width' }),
    ]);
    // An image source is no socket: a wire into it is an unknown port.
    const image = canConnect(
      graph,
      { node: 'seed1', port: 'seed' },
      { node: 'latent', port: 'nope' },
      lookup,
    );
    expect(image).toMatchObject({ ok: false, code: 'unknown_port' });
  });

  it("a wired value breaking the param's rules names the node, the param and where it came from", () => {
    const graph = compare(5, [
      { id: 'steps', type: 'primitive.int', typeVersion: 1, params: { value: 100_000 } },
    ]);
    const issues = validateGraph(withEdge(graph, ['steps', 'value'], ['sampler_sd', 'steps']), lookup);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'param_out_of_range', nodeId: 'sampler_sd', param: 'steps' }),
    ]);
    expect(issues[0]?.message).toMatch(
      /must be at most .* \(got 100000\) \(the value comes by wire from "steps\.value"\)/,
    );
  });

  it('a choice fed by text must be one of its options; a chain of primitives resolves', () => {
    const graph = compare(5, [
      { id: 'name', type: 'primitive.string', typeVersion: 1, params: { value: 'warp_drive' } },
    ]);
    const issues = validateGraph(withEdge(graph, ['name', 'value'], ['sampler_sd', 'sampler']), lookup);
    expect(issues).toEqual([
      expect.objectContaining({ code: 'param_not_in_enum', nodeId: 'sampler_sd', param: 'sampler' }),
    ]);
    // seed2 -> seed1.seed -> both samplers.
    const chained = withEdge(
      compare(5, [{ id: 'seed2', type: 'primitive.seed', typeVersion: 1, params: { seed: 11 } }]),
      ['seed2', 'seed'],
      ['seed1', 'seed'],
    );
    expect(validateGraph(chained, lookup)).toEqual([]);
    expect(resolveWiredParams(chained, lookup).values.get('sampler_kosmos')).toEqual({ seed: 11 });
  });

  it('the plan runs the wired value; cache keys follow the upstream value, not the stored one', async () => {
    const registry = createNodeRegistry();
    const keys = async (graph: GraphDocument) => {
      const plan = planExecution(graph, indexGraph(graph), registry);
      const signal = new AbortController().signal;
      const all = await computeCacheKeys(
        plan.nodes.filter((n) => !n.definition.cacheSalt),
        undefined as never,
        signal,
      );
      const ids = plan.nodes.filter((n) => !n.definition.cacheSalt).map((n) => n.id);
      return { plan, key: (id: string) => all[ids.indexOf(id)] };
    };
    const five = await keys(compare(5));
    expect(five.plan.nodes.find((n) => n.id === 'sampler_sd')?.params.seed).toBe(5);
    expect(five.plan.nodes.find((n) => n.id === 'sampler_sd')?.wiredAtRun).toBeUndefined();
    const six = await keys(compare(6));
    expect(six.key('sampler_sd')).not.toBe(five.key('sampler_sd'));
    // The stored seed of a wired sampler changes nothing.
    const stored = compare(5);
    const edited: GraphDocument = {
      ...stored,
      nodes: stored.nodes.map((n) =>
        n.id === 'sampler_sd' ? { ...n, params: { ...n.params, seed: 99 } } : n,
      ),
    };
    expect((await keys(edited)).key('sampler_sd')).toBe(five.key('sampler_sd'));
  });

  it('--set on a wired param is refused naming the wire source; on the primitive it works', () => {
    const graph = compare(5);
    let error: unknown;
    try {
      applyParamAssignments(graph, [{ nodeId: 'sampler_sd', param: 'seed', value: '3' }], lookup);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GraphValidationError);
    expect((error as GraphValidationError).issues).toEqual([
      expect.objectContaining({ nodeId: 'sampler_sd', param: 'seed' }),
    ]);
    expect((error as GraphValidationError).issues[0]?.message).toContain('fed by a wire from "seed1.seed"');
    const set = applyParamAssignments(graph, [{ nodeId: 'seed1', param: 'seed', value: '3' }], lookup);
    expect(resolveWiredParams(set, lookup).values.get('sampler_sd')).toEqual({ seed: 3 });
    expect(wiredParamsOf(set, lookup).get('sampler_kosmos')?.get('seed')).toEqual({
      node: 'seed1',
      port: 'seed',
    });
  });
});

describe('a muted or bypassed primitive', () => {
  it('feeds nothing: its consumers run with their stored values, no issue', () => {
    const registry = createNodeRegistry();
    for (const mode of ['mute', 'bypass'] as const) {
      const graph = compare(5);
      const moded: GraphDocument = {
        ...graph,
        nodes: graph.nodes.map((n) => (n.id === 'seed1' ? { ...n, mode } : n)),
      };
      expect(validateGraph(moded, lookup), mode).toEqual([]);
      const plan = planExecution(moded, indexGraph(moded), registry);
      expect(plan.nodes.find((n) => n.id === 'sampler_sd')?.params.seed, mode).toBe(7);
      expect(plan.nodes.find((n) => n.id === 'sampler_sd')?.wiredAtRun, mode).toBeUndefined();
    }
  });
});
