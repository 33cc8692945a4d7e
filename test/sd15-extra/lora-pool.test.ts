import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { ModelSource } from '../../src/runtime/ort/model-session';
import { exampleRunner } from '../integration/run-example';
import { SD15_DIR } from '../sd15/sd15-graphs';
import { LORA_FILES, loraGraph, recordLeases } from './lora-graph';

type Runner = Awaited<ReturnType<typeof exampleRunner>>;

describe('LoRA Loader: a strength change re-patches only the model it belongs to', () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });

  it('strength_model reloads the U-Net only; strength_clip the text encoder only; VAE never', async () => {
    const rec = recordLeases(runner);
    const pool = runner.runtime.services.models.pool;
    const run = async (strength_model: number, strength_clip: number) => {
      const result = await runner.run(loraGraph([{ lora: LORA_FILES.kohya, strength_model, strength_clip }]));
      expect(result.status, result.error?.message).toBe('done');
      return rec.take();
    };

    const first = await run(1, 1);
    expect(Object.keys(first).sort()).toEqual(['text_encoder', 'unet', 'vae_decoder']);
    expect(first.unet!.key).toMatch(/\+[0-9a-f]{64}@1$/);
    expect(first.text_encoder!.key).toMatch(/\+[0-9a-f]{64}@1$/);

    const before = pool.stats;
    const second = await run(0.5, 1);
    expect(second.unet).toMatchObject({ loaded: true });
    expect(second.unet!.key).toMatch(/@0\.5$/);
    expect(second.text_encoder).toEqual({ key: first.text_encoder!.key, loaded: false });
    expect(second.vae_decoder).toEqual({ key: first.vae_decoder!.key, loaded: false });
    expect(pool.stats.loads - before.loads).toBe(1);
    expect(pool.stats.hits - before.hits).toBe(2);

    const third = await run(0.5, 0.25);
    expect(third.text_encoder).toMatchObject({ loaded: true });
    expect(third.text_encoder!.key).toMatch(/@0\.25$/);
    expect(third.unet).toEqual({ key: second.unet!.key, loaded: false });
    expect(third.vae_decoder).toMatchObject({ loaded: false });

    // Strength 0 on both: the base models' sessions, no variant at all.
    const off = await run(0, 0);
    expect(off.unet!.key).not.toContain('+');
    expect(off.text_encoder!.key).not.toContain('+');
    rec.restore();
  });

  it('reads only the tensors the LoRA changes from the U-Net external data (never the file whole)', async () => {
    const services = runner.runtime.services;
    const pool = services.models.pool;
    const pack: PackHandle = await services.models.openPack(
      join(SD15_DIR, 'optimum'),
      new AbortController().signal,
    );
    const unet = pack.models.components.unet!;
    const dataFile = unet.externalData![0]!.file;
    const ranges: { file: string; offset: number; length: number }[] = [];
    const wholeReads: string[] = [];
    const sources: { label: string; source: ModelSource }[] = [];
    const readRange = pack.readRange!.bind(pack);
    const readFile = pack.readFile.bind(pack);
    const createSession = pool.backend.createSession.bind(pool.backend);
    const spies = [
      vi.spyOn(pack, 'readRange').mockImplementation(async (file, offset, length) => {
        ranges.push({ file, offset, length });
        return readRange(file, offset, length);
      }),
      vi.spyOn(pack, 'readFile').mockImplementation(async (file) => {
        wholeReads.push(file);
        return readFile(file);
      }),
      vi.spyOn(pool.backend, 'createSession').mockImplementation(async (source, label) => {
        sources.push({ label, source });
        return createSession(source, label);
      }),
    ];
    try {
      const result = await runner.run(
        loraGraph([{ lora: LORA_FILES.peft, strength_model: 0.75, strength_clip: 0.75 }]),
      );
      expect(result.status, result.error?.message).toBe('done');
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(wholeReads).not.toContain(dataFile);
    // Every read is one targeted initializer (the file's 277 U-Net modules), each once, nothing else.
    expect(ranges.every((r) => r.file === dataFile)).toBe(true);
    expect(new Set(ranges.map((r) => r.offset)).size).toBe(ranges.length);
    expect(ranges).toHaveLength(277);
    const changed = ranges.reduce((n, r) => n + r.length, 0);
    // Held in JS memory: only the merged graph, as small as the base graph: the changed tensors
    // went to a scratch file beside hard links to the model's own external data (one tensor at a
    // time), and onnxruntime-node reads every weight from files; the scratch folder is gone after.
    const merged = sources.find((s) => s.label.startsWith('unet'))!.source;
    expect(merged.bytes).toBeDefined();
    expect(merged.externalDataFolder).toMatch(/kosmograph-merge-/);
    expect(existsSync(merged.externalDataFolder!)).toBe(false);
    expect(merged.bytes!.byteLength).toBeLessThanOrEqual(1.1 * pack.fileSize!(unet.file)!);
    expect(changed).toBeLessThan(pack.fileSize!(dataFile)!);
  });
});
