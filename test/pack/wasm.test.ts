/** The pack's graphs load and agree on onnxruntime-web's wasm backend (in Node). */
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/runtime/rng';
import { generateTempPack, Pipeline } from './pipeline';

let p: Pipeline;
beforeAll(async () => {
  ortWeb.env.wasm.numThreads = 1;
  p = await Pipeline.open(await generateTempPack());
});

describe('onnxruntime-web (wasm)', () => {
  it('loads every graph of the pack', async () => {
    const c = p.manifest.components;
    for (const comp of [
      c.vision,
      c.mllm,
      c.aligner,
      c.text_encoder,
      c.unet,
      c.controlnet.canny!,
      c.vae_encoder,
      c.vae_decoder,
    ]) {
      const s = await ortWeb.InferenceSession.create(p.pack.bytes.get(comp.file)!, {
        executionProviders: ['wasm'],
      });
      expect(s.inputNames).toEqual(comp.inputs.map((i) => i.name));
      expect(s.outputNames).toEqual(comp.outputs.map((o) => o.name));
      await s.release();
    }
  });

  it('runs the U-Net with a scalar fractional timestep like onnxruntime-node', async () => {
    const c = p.manifest.components.unet;
    const rng = createRng(7);
    const sample = rng.randn(2 * 1024);
    const ehs = new Float32Array(2 * 77 * 32);
    ehs.fill(1, 0, 1); // any non-trivial conditioning
    const build = <T>(make: (type: 'float32', data: Float32Array, dims: number[]) => T) => {
      const feeds: Record<string, T> = {
        sample: make('float32', sample, [2, 4, 16, 16]),
        timestep: make('float32', Float32Array.from([612.25]), []),
        encoder_hidden_states: make('float32', ehs, [2, 77, 32]),
      };
      for (const r of c.inputs.slice(3)) {
        const dims = r.shape.map((d) => (typeof d === 'number' ? d : 2));
        feeds[r.name] = make('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
      }
      return feeds;
    };
    const web = await ortWeb.InferenceSession.create(p.pack.bytes.get(c.file)!, {
      executionProviders: ['wasm'],
    });
    const node = await ortNode.InferenceSession.create(p.pack.bytes.get(c.file)!);
    const a = (await web.run(build((t, d, s) => new ortWeb.Tensor(t, d, s)))).out_sample!
      .data as Float32Array;
    const b = (await node.run(build((t, d, s) => new ortNode.Tensor(t, d, s)))).out_sample!
      .data as Float32Array;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
  });
});
