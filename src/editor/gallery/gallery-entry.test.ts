import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { emptyGraph, type GraphDocument } from '../../core/document';
import { addNode } from '../state/graph-ops';
import { changedParams, galleryEntrySchema, graphSignature, seedsOf, shortValue } from './gallery-entry';

const lookup = createNodeRegistry().lookup;

function samplerGraph(): GraphDocument {
  let doc = addNode(emptyGraph(), lookup('sampling.sampler')!, { x: 0, y: 0 }).doc;
  doc = addNode(doc, lookup('image.load')!, { x: 300, y: 0 }).doc;
  return doc;
}

const withParam = (doc: GraphDocument, id: string, name: string, value: string | number): GraphDocument => ({
  ...doc,
  nodes: doc.nodes.map((n) => (n.id === id ? { ...n, params: { ...n.params, [name]: value } } : n)),
});

describe('gallery entries', () => {
  it('names the params changed since the previous run, images shortly', () => {
    const a = samplerGraph();
    let b = withParam(a, 'sampler', 'seed', 43);
    b = withParam(b, 'load', 'image', 'data:image/png;base64,AAAA');
    expect(changedParams(a, a)).toEqual([]);
    const changes = changedParams(a, b);
    expect(changes).toHaveLength(2);
    expect(changes[0]).toMatch(/^sampler\.seed: \d+ → 43$/);
    expect(changes[1]).toMatch(/^load\.image: .* → image \(image\/png\)$/);
    expect(shortValue('x'.repeat(100)).length).toBeLessThanOrEqual(40);
  });

  it('reads seeds, and tells graphs apart by their nodes, not their params', () => {
    const a = samplerGraph();
    expect(seedsOf(withParam(a, 'sampler', 'seed', 7), lookup)).toEqual({ 'sampler.seed': 7 });
    expect(graphSignature(withParam(a, 'sampler', 'seed', 7))).toBe(graphSignature(a));
    expect(graphSignature(emptyGraph())).not.toBe(graphSignature(a));
  });

  it('refuses a stored record that is not one', () => {
    expect(galleryEntrySchema.safeParse({ v: 1, id: 'x' }).success).toBe(false);
    expect(galleryEntrySchema.safeParse({ v: 2 }).success).toBe(false);
  });
});
