import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NODE_SPECS } from '../../../nodes/specs';
import { NodeSpecRegistry } from '../node-spec-registry';
import { validateGraph } from '../validate';
import { resolveWiredParams } from '../wired-params';
import { importComfy, REFERENCE_PACK_IMPORT } from './index';

const lookup = new NodeSpecRegistry(NODE_SPECS).lookup;

/**
 * ComfyUI's primitive nodes (comfy_extras/nodes_primitive.py) in an API prompt: the default
 * text-to-image prompt with a second KSampler, both seeded by one PrimitiveInt, and a PrimitiveInt
 * feeding the first sampler's steps.
 */
function prompt(): string {
  const base = JSON.parse(readFileSync('test/fixtures/comfy/api-text-to-image.json', 'utf8')) as Record<
    string,
    { class_type: string; inputs: Record<string, unknown> }
  >;
  base['3']!.inputs.seed = ['20', 0];
  base['3']!.inputs.steps = ['21', 0];
  base['10'] = { class_type: 'KSampler', inputs: { ...base['3']!.inputs, steps: 4, seed: ['20', 0] } };
  base['11'] = { class_type: 'VAEDecode', inputs: { samples: ['10', 0], vae: ['4', 2] } };
  base['12'] = { class_type: 'SaveImage', inputs: { filename_prefix: 'second', images: ['11', 0] } };
  base['20'] = { class_type: 'PrimitiveInt', inputs: { value: 42 } };
  base['21'] = { class_type: 'PrimitiveInt', inputs: { value: 3 } };
  return JSON.stringify(base);
}

describe('ComfyUI primitives (API format)', () => {
  it('a PrimitiveInt feeding seeds becomes a Primitive Seed wired to both samplers', () => {
    const { graph, report } = importComfy(prompt(), REFERENCE_PACK_IMPORT, lookup, 'prompt.json');
    expect(graph.nodes.find((n) => n.id === 'seed_20')).toMatchObject({
      type: 'primitive.seed',
      params: { seed: 42 },
    });
    expect(graph.nodes.find((n) => n.id === 'int_21')).toMatchObject({
      type: 'primitive.int',
      params: { value: 3 },
    });
    const into = (node: string, port: string) =>
      graph.edges
        .filter((e) => e.to.node === node && e.to.port === port)
        .map((e) => `${e.from.node}.${e.from.port}`);
    expect(into('sampler_3', 'seed')).toEqual(['seed_20.seed']);
    expect(into('sampler_10', 'seed')).toEqual(['seed_20.seed']);
    expect(into('sampler_3', 'steps')).toEqual(['int_21.value']);
    // No "cannot evaluate" warning for the linked widgets; the samplers keep no stored seed.
    expect(report.warnings.filter((w) => w.includes('cannot evaluate'))).toEqual([]);
    expect(report.placeholders).toEqual([]);
    expect(graph.nodes.find((n) => n.id === 'sampler_3')?.params.seed).toBeUndefined();
    expect(validateGraph(graph, lookup)).toEqual([]);
    expect(resolveWiredParams(graph, lookup).values.get('sampler_10')).toEqual({ seed: 42 });
    expect(resolveWiredParams(graph, lookup).values.get('sampler_3')).toEqual({ seed: 42, steps: 3 });
  });
});
