import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../src/core/document';
import { PNG_GRAPH_KEYWORD } from '../../src/core/graph-png';
import { readPngChunks } from '../../src/core/png-metadata';
import { exampleRunner, loadExample, savedImage, withParams } from './run-example';

/**
 * A Primitive Seed driving two samplers (ComfyUI's Primitive node on converted seed widgets), on the
 * reference pack through real ONNX Runtime: the same pictures as that seed typed into both, while
 * the samplers' own stored seeds (left different) are not used.
 */

/** The compare example at 2 steps, both samplers seeded `seed`. */
const typed = (seed: number) =>
  withParams(loadExample('compare'), {
    'sampler_sd.seed': String(seed),
    'sampler_kosmos.seed': String(seed),
    'sampler_sd.steps': '2',
    'sampler_kosmos.steps': '2',
  });

/** The same at 2 steps, stored seeds 1 and 2, both fed by a Primitive Seed of `seed`. */
function wired(seed: number): GraphDocument {
  const graph = withParams(loadExample('compare'), {
    'sampler_sd.seed': '1',
    'sampler_kosmos.seed': '2',
    'sampler_sd.steps': '2',
    'sampler_kosmos.steps': '2',
  });
  return {
    ...graph,
    nodes: [...graph.nodes, { id: 'seed1', type: 'primitive.seed', typeVersion: 1, params: { seed } }],
    edges: [
      ...graph.edges,
      { from: { node: 'seed1', port: 'seed' }, to: { node: 'sampler_sd', port: 'seed' } },
      { from: { node: 'seed1', port: 'seed' }, to: { node: 'sampler_kosmos', port: 'seed' } },
    ],
  };
}

/** The seeds a saved PNG lists next to its graph. */
function embeddedSeeds(png: Uint8Array | undefined): Record<string, number> {
  const text = readPngChunks(png!)
    .filter((c) => c.type === 'iTXt')
    .map((c) => new TextDecoder().decode(c.data))
    .find((t) => t.startsWith(`${PNG_GRAPH_KEYWORD}\0`))!;
  return (JSON.parse(text.split('\0').at(-1)!) as { seeds: Record<string, number> }).seeds;
}

const pixels = (result: Awaited<ReturnType<Awaited<ReturnType<typeof exampleRunner>>['run']>>) => ({
  sd: Buffer.from(savedImage(result, 'save_sd').image.data).toString('base64'),
  kosmos: Buffer.from(savedImage(result, 'save_kosmos').image.data).toString('base64'),
});

describe('a Primitive Seed wired to two samplers', () => {
  it('gives the pictures of that seed typed in both; another seed gives others', async () => {
    // Separate executors: nothing comes from a cache shared between the runs compared.
    const a = await (await exampleRunner('cpu')).run(typed(5));
    const b = await (await exampleRunner('cpu')).run(wired(5));
    const c = await (await exampleRunner('cpu')).run(wired(6));
    for (const r of [a, b, c]) expect(r.status, r.error?.message).toBe('done');
    expect(pixels(b)).toEqual(pixels(a));
    expect(pixels(c).sd).not.toBe(pixels(a).sd);
    expect(pixels(c).kosmos).not.toBe(pixels(a).kosmos);
    // The PNG lists the seeds that ran: the primitive's, not the ones stored under the wires (1, 2).
    expect(embeddedSeeds(savedImage(b, 'save_sd').png)).toEqual({
      'sampler_sd.seed': 5,
      'sampler_kosmos.seed': 5,
      'seed1.seed': 5,
    });
  });

  it('a changed primitive re-runs both samplers; an unchanged one runs nothing again', async () => {
    const runner = await exampleRunner('cpu');
    const first = await runner.run(wired(5));
    expect(first.status).toBe('done');
    const events: string[] = [];
    const again = await runner.executor.run(wired(5), {
      onEvent: (e) => {
        if (e.type === 'node:start') events.push(e.nodeId);
      },
    });
    expect(again.status).toBe('done');
    // Only the save nodes always run.
    expect(events.sort()).toEqual(['save_kosmos', 'save_sd']);
    events.length = 0;
    await runner.executor.run(wired(6), {
      onEvent: (e) => {
        if (e.type === 'node:start') events.push(e.nodeId);
      },
    });
    expect(events).toEqual(expect.arrayContaining(['seed1', 'sampler_sd', 'sampler_kosmos']));
    expect(events).not.toContain('encode');
  });
});
