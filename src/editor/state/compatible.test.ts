import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { groupByCategory, searchNodes } from './compatible';

const specs = createNodeRegistry().describe();

describe('node search', () => {
  it('finds nodes by words, title hits first', () => {
    const found = searchNodes(specs, 'save').map((o) => o.spec.type);
    expect(found[0]).toBe('image.save');
    expect(searchNodes(specs, 'vae decode').map((o) => o.spec.type)).toEqual(['latent.vae_decode']);
    expect(searchNodes(specs, '')).toHaveLength(specs.length);
  });

  it('offers only nodes that can take a pending output', () => {
    const offers = searchNodes(specs, '', { nodeId: 'x', port: 'latent', type: 'LATENT', side: 'source' });
    expect(offers.map((o) => [o.spec.type, o.port])).toEqual([
      ['sampling.sampler', 'latent'],
      ['latent.vae_decode', 'latent'],
      ['latent.save', 'latent'],
    ]);
  });

  it("offers a primitive's wire the nodes with a param of its type (the first such param)", () => {
    const offers = searchNodes(specs, '', { nodeId: 'x', port: 'seed', type: 'INT', side: 'source' });
    expect(offers.map((o) => [o.spec.type, o.port])).toEqual(
      expect.arrayContaining([
        ['sampling.sampler', 'seed'],
        ['latent.empty', 'width'],
      ]),
    );
    expect(offers.some((o) => o.spec.type === 'image.load')).toBe(false);
    // A seed param takes a wire into it from a Primitive Seed's side too.
    const from = searchNodes(specs, '', { nodeId: 'x', port: 'seed', type: 'INT', side: 'target' });
    expect(from.map((o) => o.spec.type)).toEqual(expect.arrayContaining(['primitive.seed', 'primitive.int']));
  });

  it('offers only nodes that can feed a pending input', () => {
    const offers = searchNodes(specs, '', { nodeId: 'x', port: 'prompt', type: 'PROMPT', side: 'target' });
    expect(offers.map((o) => [o.spec.type, o.port])).toEqual([['prompt.interleaved', 'prompt']]);
  });

  it('groups the palette by category', () => {
    const groups = groupByCategory(specs);
    expect(groups.flatMap(([, list]) => list)).toHaveLength(specs.length);
  });
});
