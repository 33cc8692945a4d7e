import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { loadGraphDocument } from '../../src/core/load-document';
import { validateGraph } from '../../src/core/validate';
import { Executor } from '../../src/engine/executor';
import { createNodeRuntime } from '../../src/runtime/node/node-runtime';
import type { RuntimeServices } from '../../src/runtime/services';
import { registry, withParams } from '../integration/run-example';

const REAL = resolve('public/examples/real');
const EXTRA = resolve('test/fixtures/sd15-extra');

/** Each example's model folders, replaced by the tiny fixtures (and a size they were exported for). */
const ON_FIXTURES: Record<string, Record<string, string>> = {
  lora: {
    'ckpt.checkpoint': resolve('test/fixtures/sd15/optimum'),
    'lora.lora': join(EXTRA, 'lora-kohya.safetensors'),
    'latent.width': '64',
    'latent.height': '64',
    'sampler.steps': '4',
  },
  'kosmos-g': {
    'kosmos.encoder': resolve('test/fixtures/kosmos-g/encoder'),
    'ckpt.checkpoint': resolve('test/fixtures/sd15/optimum'),
    'latent.width': '64',
    'latent.height': '64',
    'sampler.steps': '4',
  },
  'controlnet-canny': {
    'ckpt.checkpoint': join(EXTRA, 'sd15-controlnet-ready'),
    'cn.folder': join(EXTRA, 'controlnet-canny'),
    'latent.width': '64',
    'latent.height': '64',
    'sampler.steps': '4',
  },
};

describe('examples for real models (public/examples/real)', () => {
  const names = readdirSync(REAL)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));

  it('every example is listed here with the fixtures it runs on', () => {
    expect(names.sort()).toEqual(Object.keys(ON_FIXTURES).sort());
  });

  it.each(names)('%s validates and runs on the tiny fixtures', async (name) => {
    const file = join(REAL, `${name}.json`);
    const graph = loadGraphDocument(JSON.parse(readFileSync(file, 'utf8')), registry.lookup, file).graph;
    expect(validateGraph(graph, registry.lookup)).toEqual([]);
    // Relative paths resolve against the graph's folder, as `kosmograph run` resolves them.
    const runtime = await createNodeRuntime('cpu', REAL, { ensureReferencePack });
    const result = await new Executor<RuntimeServices>(registry, runtime.services).run(
      withParams(graph, ON_FIXTURES[name]!),
    );
    expect(result.status, result.error?.message).toBe('done');
  });
});
