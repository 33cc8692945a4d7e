import { describe, expect, it } from 'vitest';
import type { NodeSpec } from '../src/core/node-spec';
import { NodeSpecRegistry } from '../src/core/node-spec-registry';
import { SAMPLER_NAMES } from '../src/diffusion/samplers';
import { SCHEDULER_NAMES } from '../src/diffusion/schedule';
import { createNodeRegistry } from './index';
import { SAMPLER_CHOICES, SCHEDULER_CHOICES } from './sampling/sampler.spec';
import { NODE_SPECS } from './specs';

/**
 * Fields of a definition that are about running it (the engine's), not data the editor reads.
 * A node file that sets any other field after spreading its spec fails below: move that field
 * into the spec (or, if the engine alone needs it, list it here).
 */
const ENGINE_ONLY: ReadonlySet<string> = new Set([
  'execute',
  'cacheSalt',
  'alwaysRun',
  'usesNodeId',
  'preflight',
]);

describe('nodes/specs.ts (the editor reads these, the engine runs nodes/index.ts)', () => {
  const definitions = createNodeRegistry().list();

  it('lists every node kind of the registry, in palette order', () => {
    expect(NODE_SPECS.map((s) => s.type)).toEqual(definitions.map((d) => d.type));
  });

  it.each(definitions.map((d, i) => [d.type, d, NODE_SPECS[i]] as const))(
    '%s: the definition is its spec plus execute (same data, same validate rule)',
    (_type, definition, spec) => {
      // Every spec field is the spec's own value (the spread copies references: same data, same
      // validate rule), and nothing but engine-only fields is added or overridden.
      for (const [key, value] of Object.entries(spec ?? {}))
        expect(definition[key as keyof NodeSpec], key).toBe(value);
      const extra = Object.keys(definition).filter((key) => !(key in (spec ?? {})) && !ENGINE_ONLY.has(key));
      expect(extra).toEqual([]);
      expect(typeof definition.execute).toBe('function');
      for (const key of ENGINE_ONLY) expect(spec).not.toHaveProperty(key);
    },
  );

  it("offers the Sampler's samplers and schedules that src/diffusion has, in its order", () => {
    expect(SAMPLER_CHOICES).toEqual([...SAMPLER_NAMES, 'pndm']);
    expect(SCHEDULER_CHOICES).toEqual([...SCHEDULER_NAMES, 'diffusers', 'diffusers_karras']);
  });
});

describe('NodeSpecRegistry', () => {
  it('looks specs up by type and keeps their order', () => {
    const registry = new NodeSpecRegistry(NODE_SPECS);
    expect(registry.list()).toEqual(NODE_SPECS);
    expect(registry.lookup('sampling.sampler')?.title).toBe('Sampler');
    expect(registry.lookup('no.such_node')).toBeUndefined();
  });

  it('refuses a type listed twice, naming it', () => {
    const [first] = NODE_SPECS;
    expect(() => new NodeSpecRegistry([first!, first!])).toThrow(`node type "${first!.type}" listed twice`);
  });
});
