import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import type { EngineEvent } from '../../src/engine/events';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { type StTensor, writeSafetensors } from '../fixtures/lora/tiny';
import { EXAMPLES_DIR, exampleRunner, savedFile } from '../integration/run-example';
import { maxAbsDiff } from '../sd15/sd15-graphs';
import { extraGoldenLatent, LORA_FILES, loraGraph, recordLeases } from './lora-graph';

type Runner = Awaited<ReturnType<typeof exampleRunner>>;

const TO_K = 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k';
const Q_PROJ = 'text_model.encoder.layers.0.self_attn.q_proj';

/** The PEFT fixture's tensors as F32, to edit. */
function peftTensors(): Record<string, StTensor> {
  const file = readLoraSafetensors(new Uint8Array(readFileSync(LORA_FILES.peft)), 'peft');
  return Object.fromEntries(
    [...file.tensors].map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }]),
  );
}

const randoms = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1) / 10);

describe('LoRA Loader: what is refused, and how', () => {
  let runner: Runner;
  let dir: string;
  const write = (name: string, tensors: Record<string, StTensor>) => {
    const path = join(dir, name);
    writeFileSync(path, writeSafetensors(tensors));
    return path;
  };
  const run = (...args: Parameters<typeof loraGraph>) => runner.run(loraGraph(...args));
  const step = (lora: string, s = 1) => ({ lora, strength_model: s, strength_clip: s });

  beforeAll(async () => {
    runner = await exampleRunner('cpu');
    dir = mkdtempSync(join(tmpdir(), 'kosmograph-lora-'));
  });

  it('a NaN or an infinity in a weight: refused by the loader, naming the file and the key', async () => {
    const nan = peftTensors();
    const key = `unet.${TO_K}.lora_B.weight`;
    (nan[key]!.data as number[])[3] = Number.NaN;
    const file = write('nan.safetensors', nan);
    const result = await run([step(file)]);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('lora1');
    expect(result.error?.message).toContain(file);
    expect(result.error?.message).toContain(`tensor ${key} holds NaN at index 3`);

    const inf = peftTensors();
    const teKey = `text_encoder.${Q_PROJ}.lora_A.weight`;
    (inf[teKey]!.data as number[])[0] = Number.POSITIVE_INFINITY;
    const teResult = await run([step(write('inf.safetensors', inf))]);
    expect(teResult.error?.nodeId).toBe('lora1');
    expect(teResult.error?.message).toContain(`tensor ${teKey} holds Infinity at index 0`);
  });

  it('a LoRA for another model (shape mismatch): refused naming the file, the module and both shapes; nothing pooled', async () => {
    const rec = recordLeases(runner);
    const pool = runner.runtime.services.models.pool;
    // SD2's cross-attention width (1024) instead of this U-Net's 32.
    const sd2 = peftTensors();
    sd2[`unet.${TO_K}.lora_A.weight`] = { shape: [4, 1024], data: randoms(4 * 1024) };
    const file = write('sd2.safetensors', sd2);
    const result = await run([step(file)]);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('sampler');
    const message = result.error?.message ?? '';
    expect(message).toContain(file);
    expect(message).toContain(`LoRA module unet.${TO_K}: shape mismatch`);
    expect(message).toMatch(
      /up \[8, 4\] @ down \[4, 1024\] is \[8, 1024\] but the U-Net's initializer \S+ is \[32, 8\]/,
    );
    const failed = rec.take();
    expect(failed.unet!.loaded).toBe(true);
    expect(pool.has(failed.unet!.key)).toBe(false);

    // The text encoder's half of an SDXL-sized LoRA (768 wide): refused by CLIP Text Encode.
    const xl = peftTensors();
    xl[`text_encoder.${Q_PROJ}.lora_A.weight`] = { shape: [4, 768], data: randoms(4 * 768) };
    xl[`text_encoder.${Q_PROJ}.lora_B.weight`] = { shape: [768, 4], data: randoms(768 * 4) };
    const teResult = await run([step(write('xl.safetensors', xl))]);
    expect(teResult.error?.nodeId).toBe('prompt');
    expect(teResult.error?.message).toMatch(
      /LoRA module text_encoder\.text_model\.encoder\.layers\.0\.self_attn\.q_proj: shape mismatch: .* is \[768, 768\] but the text encoder's initializer \S+ is \[32, 32\]/,
    );
    const teFailed = rec.take();
    expect(pool.has(teFailed.text_encoder!.key)).toBe(false);
    rec.restore();

    // The pool is unharmed: the good LoRA runs next.
    const good = await run([step(LORA_FILES.peft)]);
    expect(good.status, good.error?.message).toBe('done');
  });

  it('keys that match nothing: the count and the first few in the error, per model', async () => {
    const nothing: Record<string, StTensor> = {};
    for (let i = 0; i < 7; i++) {
      nothing[`lora_unet_nothing_here_${i}.lora_down.weight`] = { shape: [2, 8], data: randoms(16) };
      nothing[`lora_unet_nothing_here_${i}.lora_up.weight`] = { shape: [8, 2], data: randoms(16) };
    }
    const result = await run([step(write('nothing.safetensors', nothing))]);
    expect(result.error?.nodeId).toBe('sampler');
    const message = result.error?.message ?? '';
    expect(message).toContain('nothing.safetensors');
    expect(message).toContain('0 of 7 U-Net modules matched');
    expect(message).toMatch(
      /Unmatched 7: lora_unet_nothing_here_0 \(no initializer matches its name\); .*; and 2 more/,
    );

    const teNothing = peftTensors();
    for (const key of Object.keys(teNothing))
      if (key.startsWith('text_encoder.'))
        teNothing[key.replace('text_encoder.text_model.encoder', 'text_encoder.text_model.decoder')] =
          teNothing[key]!;
    for (const key of Object.keys(teNothing))
      if (key.startsWith('text_encoder.text_model.encoder')) delete teNothing[key];
    const teResult = await run([step(write('te-nothing.safetensors', teNothing))]);
    expect(teResult.error?.nodeId).toBe('prompt');
    expect(teResult.error?.message).toContain('0 of 12 text encoder modules matched');
  });

  it('some keys unmatched: the rest is merged, and the sampler warns with the count and the first few', async () => {
    const partial = peftTensors();
    partial['unet.down_blocks.9.nothing.lora_A.weight'] = { shape: [2, 8], data: randoms(16) };
    partial['unet.down_blocks.9.nothing.lora_B.weight'] = { shape: [8, 2], data: randoms(16) };
    const events: EngineEvent[] = [];
    const result = await runner.executor.run(loraGraph([step(write('partial.safetensors', partial))]), {
      onEvent: (e) => {
        events.push(e);
      },
    });
    expect(result.status, result.error?.message).toBe('done');
    const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out');
    expect(maxAbsDiff(latent.samples.data, extraGoldenLatent('lora_peft_1.latent'))).toBeLessThanOrEqual(
      1e-3,
    );
    const warnings = events.flatMap((e) => (e.type === 'node:warning' ? [e] : []));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.nodeId).toBe('sampler');
    expect(warnings[0]!.message).toMatch(
      /^LoRA "[^"]*partial\.safetensors" \(node "lora1"\): 1 of \d+ U-Net modules not applied: unet\.down_blocks\.9\.nothing \(/,
    );
  });

  it('a file with no SD1.5 modules, no file, a missing file: refused by the loader', async () => {
    const xlOnly = write('te2.safetensors', {
      'lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': { shape: [2, 8], data: randoms(16) },
      'lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight': { shape: [8, 2], data: randoms(16) },
    });
    const none = await run([step(xlOnly)]);
    expect(none.error?.nodeId).toBe('lora1');
    expect(none.error?.message).toMatch(
      /param "lora": LoRA ".*te2\.safetensors" has no LoRA modules for an SD1\.5 U-Net or text encoder: 1 skipped: lora_te2_text_model_encoder_layers_0_mlp_fc1 \(second text encoder/,
    );
    const empty = await run([step('')]);
    expect(empty.error?.message).toBe('param "lora": no LoRA .safetensors file chosen');
    const missing = await run([step(join(dir, 'missing.safetensors'))]);
    expect(missing.error?.nodeId).toBe('lora1');
    expect(missing.error?.message).toMatch(/^param "lora": .*missing\.safetensors/);
  });

  it('reads a path relative to the graph folder and a data: URL; without CLIP it patches the U-Net only', async () => {
    const rel = relative(EXAMPLES_DIR, LORA_FILES.kohya);
    const byPath = await run([step(rel, 0.5)]);
    expect(byPath.status, byPath.error?.message).toBe('done');
    const want = extraGoldenLatent('lora_kohya_05.latent');
    const latentOf = (r: typeof byPath) => decodeLatentFile(savedFile(r, 'out').bytes, 'out').samples.data;
    expect(maxAbsDiff(latentOf(byPath), want)).toBeLessThanOrEqual(1e-3);
    const url = `data:application/octet-stream;base64,${readFileSync(LORA_FILES.kohya).toString('base64')}`;
    const byUrl = await run([step(url, 0.5)]);
    expect(byUrl.status, byUrl.error?.message).toBe('done');
    expect(maxAbsDiff(latentOf(byUrl), latentOf(byPath))).toBe(0);

    const rec = recordLeases(runner);
    const unetOnly = await run([{ ...step(LORA_FILES.kohya, 0.5), clip: false }]);
    expect(unetOnly.status, unetOnly.error?.message).toBe('done');
    const leases = rec.take();
    rec.restore();
    expect(leases.text_encoder!.key).not.toContain('+');
    expect(leases.unet!.key).toContain('@0.5');
    expect(maxAbsDiff(latentOf(unetOnly), want)).toBeGreaterThan(1e-2);
  });
});
