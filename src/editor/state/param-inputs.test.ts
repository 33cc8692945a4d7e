import { describe, expect, it } from 'vitest';
import { NODE_SPECS } from '../../../nodes/specs';
import { emptyGraph, type GraphDocument } from '../../core/document';
import { NodeSpecRegistry } from '../../core/node-spec-registry';
import { afterBatch, seedsPlus } from '../batch';
import { seedsOf } from '../gallery/gallery-entry';
import { addNode, connect } from './graph-ops';
import {
  listedParamInputs,
  showParamAsInput,
  showParamAsWidget,
  wireSources,
  wireSourcesKey,
} from './param-inputs';
import { advanceSeeds } from './seed';

const lookup = new NodeSpecRegistry(NODE_SPECS).lookup;

/** Two samplers (seeds 7 and 8) and a Primitive Seed (5) wired to the first one's seed. */
function graph(): GraphDocument {
  let doc = addNode(emptyGraph(), lookup('sampling.sampler')!, { x: 0, y: 0 }, 'a').doc;
  doc = addNode(doc, lookup('sampling.sampler')!, { x: 0, y: 300 }, 'b').doc;
  doc = addNode(doc, lookup('primitive.seed')!, { x: -300, y: 0 }, 'seed1').doc;
  doc = {
    ...doc,
    nodes: doc.nodes.map((n) => ({
      ...n,
      params: { ...n.params, seed: n.id === 'a' ? 7 : n.id === 'b' ? 8 : 5 },
    })),
  };
  const wired = connect(doc, { node: 'seed1', port: 'seed' }, { node: 'a', port: 'seed' }, lookup);
  if (!wired.ok) throw new Error(wired.reason);
  return wired.doc;
}
const seed = (doc: GraphDocument, id: string) => doc.nodes.find((n) => n.id === id)!.params.seed;

describe('params shown as inputs', () => {
  it('Convert to input lists the param in the layout; back to a widget removes it and its wire', () => {
    const doc = graph();
    const shown = showParamAsInput(doc, 'b', 'seed', lookup);
    expect(listedParamInputs(shown, 'b')).toEqual(['seed']);
    expect(shown.layout?.nodes.b).toMatchObject({ x: 0, y: 300, paramInputs: ['seed'] });
    expect(showParamAsInput(shown, 'b', 'seed', lookup)).toBe(shown);
    // Not wireable (no such param, or an image source): nothing changes.
    expect(showParamAsInput(doc, 'b', 'nope', lookup)).toBe(doc);
    const back = showParamAsWidget(shown, 'b', 'seed');
    expect(back.layout?.nodes.b).toEqual({ x: 0, y: 300 });
    const unwired = showParamAsWidget(doc, 'a', 'seed');
    expect(unwired.edges).toEqual([]);
    // The stored value was there all along.
    expect(seed(unwired, 'a')).toBe(7);
  });

  it('wire sources per node, stable while the wires stay', () => {
    const doc = graph();
    expect(wireSources(wireSourcesKey(doc, 'a')).get('seed')).toBe('seed1.seed');
    expect(wireSourcesKey(doc, 'b')).toBe('');
    const moved = { ...doc, layout: { nodes: {} } };
    expect(wireSourcesKey(moved, 'a')).toBe(wireSourcesKey(doc, 'a'));
  });

  it('a batch moves the Primitive Seed, not the seed it feeds; seed modes skip wired seeds', () => {
    const doc = graph();
    const run2 = seedsPlus(doc, 2, lookup);
    expect([seed(run2, 'seed1'), seed(run2, 'a'), seed(run2, 'b')]).toEqual([7, 7, 10]);
    const modes = { 'a.seed': 'increment', 'seed1.seed': 'increment' } as const;
    const after = advanceSeeds(doc, modes, lookup, () => 0);
    expect([seed(after, 'seed1'), seed(after, 'a')]).toEqual([6, 7]);
    expect(
      seed(
        afterBatch(doc, 3, modes, lookup, () => 0),
        'seed1',
      ),
    ).toBe(8);
    // The gallery records the seeds that ran.
    expect(seedsOf(doc, lookup)).toEqual({ 'b.seed': 8, 'seed1.seed': 5 });
  });
});
