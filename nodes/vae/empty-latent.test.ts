import { describe, expect, it } from 'vitest';
import { emptyGraph } from '../../src/core/document';
import type { RuntimeServices } from '../../src/runtime/services';
import type { LatentValue } from '../values';
import { emptyLatentNode } from './empty-latent';

function run(inputs: Record<string, unknown>, params: Record<string, number>) {
  return emptyLatentNode.execute({
    nodeId: 'empty',
    inputs,
    params,
    signal: new AbortController().signal,
    services: {} as RuntimeServices,
    graph: emptyGraph(),
    progress: async () => undefined,
    warn: () => undefined,
  });
}

describe('Empty Latent', () => {
  it('takes its size without a VAE: SD1.x layout, 4 channels at 1/8', async () => {
    expect(emptyLatentNode.inputs.find((p) => p.name === 'vae')?.optional).toBe(true);
    const { outputs } = await run({}, { width: 512, height: 384, batch_size: 2 });
    expect((outputs.latent as LatentValue).samples.dims).toEqual([2, 4, 48, 64]);
  });

  it('shapes the latent for a wired VAE, whose pack says channels and factor', async () => {
    const vae = { kind: 'vae', pack: { models: { constants: { latentChannels: 16, vaeFactor: 16 } } } };
    const { outputs } = await run({ vae }, { width: 128, height: 64, batch_size: 1 });
    expect((outputs.latent as LatentValue).samples.dims).toEqual([1, 16, 4, 8]);
    await expect(run({ vae }, { width: 120, height: 64, batch_size: 1 })).rejects.toThrow(
      /multiples of 16 for this VAE \(got 120x64\)/,
    );
  });

  it('refuses sizes that are not multiples of 8 without a VAE', async () => {
    await expect(run({}, { width: 100, height: 64, batch_size: 1 })).rejects.toThrow(
      /multiples of 8 \(got 100x64\)/,
    );
  });
});
