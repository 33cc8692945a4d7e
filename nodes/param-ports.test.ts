import { describe, expect, it } from 'vitest';
import { paramInputPort, paramSocketType } from '../src/core/node-spec';
import { NODE_SPECS } from './specs';

/**
 * A wire into a node names a port by `to.port`, an input port or a param shown as an input
 * (src/core/wired-params.ts): so no node may have a param and an input port of the same name.
 */
describe('node specs: params fed by wires', () => {
  it.each(NODE_SPECS.map((s) => [s.type, s] as const))(
    '%s: no param is named like an input port',
    (_, spec) => {
      const inputs = new Set(spec.inputs.map((p) => p.name));
      expect(spec.params.map((p) => p.name).filter((name) => inputs.has(name))).toEqual([]);
    },
  );

  it.each(NODE_SPECS.map((s) => [s.type, s] as const))(
    '%s: every output that gives a param names a param of its socket type',
    (_, spec) => {
      for (const [port, param] of Object.entries(spec.outputsParam ?? {})) {
        const output = spec.outputs.find((p) => p.name === port);
        const paramSpec = spec.params.find((p) => p.name === param);
        expect(output, port).toBeDefined();
        expect(paramSpec, param).toBeDefined();
        expect(paramSocketType(paramSpec!)).toBe(output!.type);
      }
    },
  );

  it("a sampler's seed takes INT, its cfg FLOAT, its sampler choice STRING; images are not wireable", () => {
    const sampler = NODE_SPECS.find((s) => s.type === 'sampling.sampler')!;
    expect(paramInputPort(sampler, 'seed')?.type).toBe('INT');
    expect(paramInputPort(sampler, 'cfg')?.type).toBe('FLOAT');
    expect(paramInputPort(sampler, 'sampler')?.type).toBe('STRING');
    const load = NODE_SPECS.find((s) => s.type === 'image.load')!;
    expect(load.params.some((p) => p.kind === 'image')).toBe(true);
    for (const p of load.params.filter((p) => p.kind === 'image'))
      expect(paramInputPort(load, p.name)).toBeUndefined();
  });
});
