/** Graphs for the LoRA tests on the tiny SD1.5 (test/fixtures/sd15) and its LoRA goldens (test/fixtures/sd15-extra). */

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { vi } from 'vitest';
import type { GraphDocument } from '../../src/core/document';
import { loadGraphDocument } from '../../src/core/load-document';
import { decodeImage } from '../../src/runtime/image/codec';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import type { RuntimeServices } from '../../src/runtime/services';
import { registry } from '../integration/run-example';
import { type Layout, text2imageGraph } from '../sd15/sd15-graphs';

export const EXTRA_DIR = resolve('test/fixtures/sd15-extra');
export const EXTRA_GOLDEN_DIR = join(EXTRA_DIR, 'golden');
export const LORA_FILES = {
  kohya: join(EXTRA_DIR, 'lora-kohya.safetensors'),
  peft: join(EXTRA_DIR, 'lora-peft.safetensors'),
};

export interface LoraStep {
  readonly lora: string;
  readonly strength_model: number;
  readonly strength_clip: number;
  /** Feed the loader the CLIP (default true); false: CLIP Text Encode keeps the checkpoint's. */
  readonly clip?: boolean;
}

/**
 * The golden text-to-image graph (dpmpp_2m, scheduler `diffusers`, golden noise) with LoRA Loaders
 * between Load Checkpoint and the sampler / CLIP Text Encode, stacked in order (`lora1`, `lora2`, ...).
 */
export function loraGraph(loras: readonly LoraStep[], layout: Layout = 'optimum'): GraphDocument {
  const base = text2imageGraph(layout, 'dpmpp_2m');
  const nodes: unknown[] = base.nodes.map((n) => ({ ...n }));
  let unet = { node: 'ckpt', port: 'unet' };
  let clip = { node: 'ckpt', port: 'clip' };
  const edges: unknown[] = base.edges.filter(
    (e) => !(e.from.node === 'ckpt' && (e.from.port === 'unet' || e.from.port === 'clip')),
  );
  loras.forEach(({ clip: withClip = true, ...params }, i) => {
    const id = `lora${i + 1}`;
    nodes.push({ id, type: 'models.lora_file', typeVersion: 1, params });
    edges.push({ from: unet, to: { node: id, port: 'unet' } });
    unet = { node: id, port: 'unet' };
    if (withClip) {
      edges.push({ from: clip, to: { node: id, port: 'clip' } });
      clip = { node: id, port: 'clip' };
    }
  });
  edges.push(
    { from: unet, to: { node: 'sampler', port: 'unet' } },
    { from: clip, to: { node: 'prompt', port: 'clip' } },
  );
  return loadGraphDocument({ ...base, nodes, edges }, registry.lookup, 'lora.json').graph;
}

export function extraGoldenLatent(file: string): Float32Array {
  const st = readLoraSafetensors(new Uint8Array(readFileSync(join(EXTRA_GOLDEN_DIR, file))), file);
  return Float32Array.from(st.tensors.get('latent_tensor')!.data);
}

export function extraGoldenImage(file: string) {
  return decodeImage(new Uint8Array(readFileSync(join(EXTRA_GOLDEN_DIR, file))), file);
}

/** Records every session-pool lease of a runner: its key and whether it had to load (and transform) the model. */
export function recordLeases(runner: { runtime: { services: RuntimeServices } }) {
  const pool = runner.runtime.services.models.pool;
  const leases: { key: string; loaded: boolean }[] = [];
  const acquire = pool.acquire.bind(pool);
  const spy = vi.spyOn(pool, 'acquire').mockImplementation(async (key, label, load) => {
    const lease = { key, loaded: false };
    leases.push(lease);
    return acquire(key, label, async () => {
      lease.loaded = true;
      return load();
    });
  });
  return {
    leases,
    /** The leases since the last take, by role (`unet`, `text_encoder`, `vae_decoder`). */
    take(): Record<string, { key: string; loaded: boolean }> {
      const run = leases.splice(0);
      return Object.fromEntries(run.map((l) => [l.key.slice(0, l.key.indexOf(':')), l]));
    },
    restore: () => spy.mockRestore(),
  };
}
