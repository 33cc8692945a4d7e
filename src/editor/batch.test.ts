import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { emptyGraph, type GraphDocument } from '../core/document';
import { afterBatch, seedsPlus } from './batch';
import { addNode } from './state/graph-ops';

const lookup = createNodeRegistry().lookup;

const seedOf = (doc: GraphDocument) => doc.nodes.find((n) => n.id === 'sampler')!.params.seed as number;

describe('batch', () => {
  const doc = addNode(emptyGraph(), lookup('sampling.sampler')!, { x: 0, y: 0 }).doc;
  const doc5 = { ...doc, nodes: doc.nodes.map((n) => ({ ...n, params: { ...n.params, seed: 5 } })) };

  it('run k of a batch has every seed + k', () => {
    expect(seedsPlus(doc5, 0, lookup)).toBe(doc5);
    expect([0, 1, 2].map((k) => seedOf(seedsPlus(doc5, k, lookup)))).toEqual([5, 6, 7]);
  });

  it('after a batch, fixed seeds stay and increment seeds move past it', () => {
    expect(seedOf(afterBatch(doc5, 3, {}, lookup, () => 0.5))).toBe(5);
    expect(seedOf(afterBatch(doc5, 3, { 'sampler.seed': 'increment' }, lookup, () => 0.5))).toBe(8);
    expect(seedOf(afterBatch(doc5, 3, { 'sampler.seed': 'random' }, lookup, () => 0.5))).toBe(2 ** 31);
  });
});
