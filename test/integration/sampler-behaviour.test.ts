import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../src/core/document';
import type { EngineEvent } from '../../src/engine/events';
import { classifyImage } from '../pack/world-classifier';
import { exampleRunner, loadExample, savedImage, withParams } from './run-example';

const runner = exampleRunner('cpu');

/** text-to-image turned into image-to-image: a world picture (green circle and square), VAE-encoded, partly re-noised. */
function imageToImage(denoise: number, text: string): GraphDocument {
  const graph = withParams(loadExample('text-to-image'), {
    'prompt.text': text,
    'sampler.denoise': String(denoise),
  });
  graph.nodes.push(
    { id: 'source', type: 'image.load', typeVersion: 1, params: { image: 'images/circle-and-square.png' } },
    { id: 'encode', type: 'latent.vae_encode', typeVersion: 1, params: {} },
  );
  graph.edges = graph.edges.filter((e) => !(e.to.node === 'sampler' && e.to.port === 'latent'));
  graph.edges.push(
    { from: { node: 'pack', port: 'vae' }, to: { node: 'encode', port: 'vae' } },
    { from: { node: 'source', port: 'image' }, to: { node: 'encode', port: 'image' } },
    { from: { node: 'encode', port: 'latent' }, to: { node: 'sampler', port: 'latent' } },
  );
  return graph;
}

describe('sampler behaviour through the real pipeline', () => {
  it('reports every step with a latent preview', async () => {
    const { executor } = await runner;
    const events: EngineEvent[] = [];
    await executor.run(
      withParams(loadExample('subject-driven'), { 'sampler.steps': '6', 'sampler.seed': '99' }),
      {
        onEvent: (e) => events.push(e),
      },
    );
    const steps = events.flatMap((e) => (e.type === 'node:progress' && e.nodeId === 'sampler' ? [e] : []));
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.every((e) => e.total === 6 && e.preview !== undefined && e.preview.width === 64)).toBe(true);
  });

  it('keeps models loaded between runs: a new seed loads no session again', async () => {
    const { executor, runtime } = await runner;
    await executor.run(withParams(loadExample('subject-driven'), { 'sampler.seed': '11' }));
    const loads = runtime.services.models.pool.stats.loads;
    await executor.run(withParams(loadExample('subject-driven'), { 'sampler.seed': '12' }));
    expect(runtime.services.models.pool.stats.loads).toBe(loads);
    expect(runtime.services.models.pool.stats.hits).toBeGreaterThan(0);
  });

  it('image-to-image keeps the source at low denoise and follows the prompt at full denoise', async () => {
    const { run } = await runner;
    const low = classifyImage(
      savedImage(await run(imageToImage(0.3, 'a red circle on a black background'))).image,
    );
    // At denoise 0.3 the picture is still the source's: a green circle and a green square on white.
    expect(low.background).toBe('white');
    expect(low.entities.map((e) => [e.shape, e.color])).toEqual([
      ['circle', 'green'],
      ['square', 'green'],
    ]);
    const full = classifyImage(
      savedImage(await run(imageToImage(1, 'a red circle on a black background'))).image,
    );
    expect(full.background).toBe('black');
    expect(full.entities.map((e) => [e.shape, e.color])).toEqual([['circle', 'red']]);
  });

  it.each(['ddim', 'euler', 'euler_ancestral', 'heun', 'dpmpp_2m', 'dpmpp_2m_sde'])(
    'the %s sampler draws the prompt cleanly',
    async (sampler) => {
      const { run } = await runner;
      const graph = withParams(loadExample('text-to-image'), {
        'prompt.text': 'a green triangle on a white background',
        'sampler.sampler': sampler,
        'sampler.seed': '5',
      });
      const c = classifyImage(savedImage(await run(graph)).image);
      expect(c.background).toBe('white');
      expect(c.entities.map((e) => [e.shape, e.color])).toEqual([['triangle', 'green']]);
      expect(c.dirt).toBeLessThan(0.01);
    },
  );
});

describe('component loaders', () => {
  it('a U-Net and a VAE loaded on their own give the same image as the Model Pack outputs', async () => {
    const { run } = await runner;
    const base = loadExample('subject-driven');
    const split: GraphDocument = {
      ...base,
      nodes: [
        ...base.nodes,
        { id: 'unet_only', type: 'models.unet_loader', typeVersion: 1, params: { pack: 'reference' } },
        { id: 'vae_only', type: 'models.vae_loader', typeVersion: 1, params: { pack: 'reference' } },
      ],
      edges: base.edges.map((e) =>
        e.from.node === 'pack' && e.from.port === 'unet'
          ? { ...e, from: { node: 'unet_only', port: 'unet' } }
          : e.from.node === 'pack' && e.from.port === 'vae'
            ? { ...e, from: { node: 'vae_only', port: 'vae' } }
            : e,
      ),
    };
    const a = savedImage(await run(base)).image.data;
    const b = savedImage(await run(split)).image.data;
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
  });
});
