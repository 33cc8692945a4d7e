/**
 * The tiny Kosmos-G encoder (test/fixtures/kosmos-g/encoder, exported by `kosmograph-export kosmos-g`) in
 * front of the tiny SD1.5 (test/fixtures/sd15/optimum): two model sources in one graph, headless, against
 * the PyTorch goldens made by python/kosmograph_tools/kosmos_g_fixtures.py for the same prompt, image and
 * initial noise (diffusers' StableDiffusionPipeline with prompt_embeds = Kosmos-G's condition).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { imageLoadNode } from '../../nodes/image-load';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { loadKosmosGNode } from '../../nodes/models/load-kosmos-g';
import { alignNode } from '../../nodes/prompt/align';
import { interleavedPromptNode } from '../../nodes/prompt/interleaved-prompt';
import { mllmEncodeNode } from '../../nodes/prompt/mllm-encode';
import type { ConditioningValue } from '../../nodes/values';
import type { GraphDocument, JsonValue } from '../../src/core/document';
import { loadGraphDocument } from '../../src/core/load-document';
import type { NodeDefinition } from '../../src/core/node-definition';
import { readLoraSafetensors } from '../../src/runtime/lora/lora-safetensors';
import { kosmosGFiles, loadKosmosGManifest } from '../../src/runtime/models/kosmos-g-encoder';
import { interleavedIds } from '../../src/runtime/models/prompt-ids';
import type { RuntimeServices } from '../../src/runtime/services';
import { loadTokenizer } from '../../src/runtime/tokenizers/tokenizer';
import { exampleRunner, registry, savedFile } from '../integration/run-example';
import { maxAbsDiff, SD15_DIR, wires } from '../sd15/sd15-graphs';

const DIR = resolve('test/fixtures/kosmos-g');
const ENCODER = join(DIR, 'encoder');
const GOLDEN = join(DIR, 'golden');
/** fp32 ONNX vs PyTorch: the exporter checks each model to 1e-4; through 10 guided steps we allow 1e-3. */
const LATENT_TOLERANCE = 1e-3;
const CONDITION_TOLERANCE = 1e-4;
const FP16_RELATIVE_TOLERANCE = 1e-3;

const pipeline = z
  .looseObject({
    prompt: z.string(),
    negative_prompt: z.string(),
    steps: z.number().int(),
    guidance_scale: z.number(),
    width: z.number().int(),
    height: z.number().int(),
  })
  .parse(JSON.parse(readFileSync(join(GOLDEN, 'pipeline.json'), 'utf8')));

function golden(file: string, name: string): Float32Array {
  const st = readLoraSafetensors(new Uint8Array(readFileSync(join(GOLDEN, file))), file);
  const t = st.tensors.get(name);
  if (!t) throw new Error(`${file} has no ${name}`);
  return Float32Array.from(t.data);
}

function kosmosGraph(options: { encoder?: string; negative?: string } = {}): GraphDocument {
  const doc = {
    format: 'kosmograph.graph',
    version: 1,
    meta: { name: 'kosmos-g tiny' },
    nodes: [
      {
        id: 'kosmos',
        type: 'models.kosmos_g',
        typeVersion: 1,
        params: { encoder: options.encoder ?? ENCODER },
      },
      {
        id: 'ckpt',
        type: 'models.checkpoint',
        typeVersion: 1,
        params: { checkpoint: join(SD15_DIR, 'optimum') },
      },
      { id: 'img', type: 'image.load', typeVersion: 1, params: { image: join(GOLDEN, 'subject.png') } },
      { id: 'prompt', type: 'prompt.interleaved', typeVersion: 1, params: { text: pipeline.prompt } },
      {
        id: 'encode',
        type: 'conditioning.mllm_encode',
        typeVersion: 1,
        params: { negative: options.negative ?? pipeline.negative_prompt },
      },
      { id: 'align', type: 'conditioning.align', typeVersion: 1, params: {} },
      {
        id: 'latent',
        type: 'latent.empty',
        typeVersion: 1,
        params: { width: pipeline.width, height: pipeline.height, batch_size: 1 },
      },
      { id: 'noise', type: 'latent.load', typeVersion: 1, params: { latent: join(GOLDEN, 'noise.latent') } },
      {
        id: 'sampler',
        type: 'sampling.sampler',
        typeVersion: 1,
        params: {
          seed: 0,
          steps: pipeline.steps,
          cfg: pipeline.guidance_scale,
          sampler: 'dpmpp_2m',
          scheduler: 'diffusers',
          denoise: 1,
        },
      },
      { id: 'out', type: 'latent.save', typeVersion: 1, params: { filename_prefix: 'latent' } },
    ],
    edges: wires([
      ['img', 'image', 'prompt', 'image1'],
      ['kosmos', 'mllm', 'encode', 'mllm'],
      ['prompt', 'prompt', 'encode', 'prompt'],
      ['kosmos', 'aligner', 'align', 'aligner'],
      ['encode', 'hidden', 'align', 'hidden'],
      ['ckpt', 'vae', 'latent', 'vae'],
      ['ckpt', 'unet', 'sampler', 'unet'],
      ['align', 'positive', 'sampler', 'positive'],
      ['align', 'negative', 'sampler', 'negative'],
      ['latent', 'latent', 'sampler', 'latent'],
      ['noise', 'latent', 'sampler', 'noise'],
      ['sampler', 'latent', 'out', 'latent'],
    ]),
  };
  return loadGraphDocument(doc, registry.lookup, 'kosmos-g.json').graph;
}

describe('Kosmos-G encoder folder + SD1.5 checkpoint against PyTorch (DPM-Solver multistep, 10 steps, cfg 7.5)', () => {
  let runner: Awaited<ReturnType<typeof exampleRunner>>;
  beforeAll(async () => {
    runner = await exampleRunner('cpu');
  });

  it('Interleaved Prompt -> MLLM Encode -> Align -> Sampler gives the PyTorch latents', async () => {
    const result = await runner.run(kosmosGraph());
    expect(result.status, result.error?.message).toBe('done');
    const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out');
    const want = golden('dpmpp_2m.latent', 'latent_tensor');
    expect(maxAbsDiff(latent.samples.data, want)).toBeLessThanOrEqual(LATENT_TOLERANCE);
  });

  it("the aligned condition and the unconditional input are Kosmos-G's (<s> + negative through MLLM and aligner)", async () => {
    const services = runner.runtime.services;
    const graph = kosmosGraph();
    const run = async (
      node: NodeDefinition<RuntimeServices>,
      inputs: Record<string, unknown>,
      params: Record<string, JsonValue>,
    ) =>
      (
        await node.execute({
          nodeId: node.type,
          inputs,
          params,
          signal: new AbortController().signal,
          services,
          graph,
          progress: async () => {},
          warn: () => {},
        })
      ).outputs;
    const loaded = await run(loadKosmosGNode, {}, { encoder: ENCODER });
    const { image } = await run(imageLoadNode, {}, { image: join(GOLDEN, 'subject.png') });
    const { prompt } = await run(interleavedPromptNode, { image1: image }, { text: pipeline.prompt });
    const embeds = (v: unknown) => {
      const c = v as ConditioningValue;
      expect(c.embeds.dims).toEqual([1, 77, 32]);
      return c.embeds.data;
    };
    for (const [negative, key] of [
      [pipeline.negative_prompt, 'uncond'],
      ['', 'uncond_empty'],
    ] as const) {
      const { hidden } = await run(mllmEncodeNode, { mllm: loaded.mllm, prompt }, { negative });
      const aligned = await run(alignNode, { aligner: loaded.aligner, hidden }, {});
      expect(
        maxAbsDiff(embeds(aligned.positive), golden('condition.safetensors', 'cond')),
      ).toBeLessThanOrEqual(CONDITION_TOLERANCE);
      expect(
        maxAbsDiff(embeds(aligned.negative), golden('condition.safetensors', key)),
        key,
      ).toBeLessThanOrEqual(CONDITION_TOLERANCE);
    }
  });

  it('the fp16 export (float16 weights and I/O) stays within fp16 rounding of the fp32 PyTorch latents', async () => {
    const result = await runner.run(kosmosGraph({ encoder: join(DIR, 'encoder-fp16') }));
    expect(result.status, result.error?.message).toBe('done');
    const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out');
    const want = golden('dpmpp_2m.latent', 'latent_tensor');
    const largest = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // fp16's unit roundoff is 9.8e-4; the exporter's own fp16 check allows 2% of an output's magnitude and
    // measured 3e-3 on the aligner; through 10 guided steps the latents (up to |47| on this random-weight
    // fixture) moved 5.2e-3. Bound: 0.1% of the largest latent.
    expect(maxAbsDiff(latent.samples.data, want)).toBeLessThanOrEqual(
      FP16_RELATIVE_TOLERANCE * Math.max(1, largest),
    );
  });

  it('a prompt with more <i> markers than images fails naming the node', async () => {
    const graph = kosmosGraph();
    const doc = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === 'prompt' ? { ...n, params: { text: '<i> and <i>' } } : n)),
    };
    const result = await runner.run(doc);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('prompt');
    expect(result.error?.message).toContain('2 <i> marker(s) but 1 image(s)');
  });

  it('an aligner narrower than the U-Net is refused before anything runs, naming both nodes and widths', async () => {
    // The tiny SD1.5 with a U-Net config of SD1.5's width (768): the tiny aligner gives 32.
    const wide = mkdtempSync(join(tmpdir(), 'kosmograph-wide-unet-'));
    cpSync(join(SD15_DIR, 'optimum'), wide, { recursive: true });
    const configFile = join(wide, 'unet', 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), cross_attention_dim: 768 }),
    );
    const graph = kosmosGraph();
    const doc = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === 'ckpt' ? { ...n, params: { checkpoint: wide } } : n)),
    };
    const events: string[] = [];
    const result = await runner.executor.run(doc, {
      onEvent: (e) => {
        events.push(e.type);
      },
    });
    expect(result.status).toBe('failed');
    const issue = result.error?.issues?.find((i) => i.nodeId === 'align');
    expect(issue?.message).toMatch(
      /Align \(AlignerNet\) \(node "align"\) makes conditioning 32 wide .* \(node "ckpt"\) takes encoder_hidden_states 768 wide/,
    );
    expect(events).not.toContain('node:start');
    rmSync(wide, { recursive: true, force: true });
  });
});

describe('ControlNet and LoRA on the Kosmos-G condition, unchanged', () => {
  const EXTRA = resolve('test/fixtures/sd15-extra');

  /** The Kosmos-G graph on the ControlNet-ready tiny SD1.5, with a kohya LoRA on its U-Net and a canny
   * ControlNet fed the same Kosmos-G condition (2 steps). */
  function controlled(withExtras: boolean): GraphDocument {
    const base = kosmosGraph();
    const nodes = base.nodes.map((n) =>
      n.id === 'ckpt'
        ? { ...n, params: { checkpoint: join(EXTRA, 'sd15-controlnet-ready') } }
        : n.id === 'sampler'
          ? { ...n, params: { ...n.params, steps: 2 } }
          : n,
    );
    if (!withExtras) return { ...base, nodes };
    const extra = [
      {
        id: 'lora',
        type: 'models.lora_file',
        typeVersion: 1,
        params: { lora: join(EXTRA, 'lora-kohya.safetensors'), strength_model: 1, strength_clip: 1 },
      },
      {
        id: 'cn',
        type: 'models.controlnet',
        typeVersion: 1,
        params: { name: 'canny', folder: join(EXTRA, 'controlnet-canny') },
      },
      { id: 'control', type: 'image.load', typeVersion: 1, params: { image: join(EXTRA, 'control.png') } },
      {
        id: 'apply',
        type: 'conditioning.apply_controlnet',
        typeVersion: 1,
        params: { strength: 1, start: 0, end: 1 },
      },
    ];
    const drop = new Set([
      'ckpt>unet>sampler>unet',
      'align>positive>sampler>positive',
      'align>negative>sampler>negative',
    ]);
    const edges = base.edges.filter(
      (e) => !drop.has(`${e.from.node}>${e.from.port}>${e.to.node}>${e.to.port}`),
    );
    const doc = {
      ...base,
      nodes: [...nodes, ...extra],
      edges: [
        ...edges,
        ...wires([
          ['ckpt', 'unet', 'lora', 'unet'],
          ['ckpt', 'clip', 'lora', 'clip'],
          ['lora', 'unet', 'sampler', 'unet'],
          ['align', 'positive', 'apply', 'positive'],
          ['align', 'negative', 'apply', 'negative'],
          ['cn', 'controlnet', 'apply', 'controlnet'],
          ['control', 'image', 'apply', 'image'],
          ['apply', 'positive', 'sampler', 'positive'],
          ['apply', 'negative', 'sampler', 'negative'],
        ]),
      ],
    };
    return loadGraphDocument(doc, registry.lookup, 'kosmos-g-controlnet-lora.json').graph;
  }

  it('a canny ControlNet and a kohya LoRA change the Kosmos-G sample and run through', async () => {
    const runner = await exampleRunner('cpu');
    const plain = await runner.run(controlled(false));
    expect(plain.status, plain.error?.message).toBe('done');
    const both = await runner.run(controlled(true));
    expect(both.status, both.error?.message).toBe('done');
    const a = decodeLatentFile(savedFile(plain, 'out').bytes, 'out').samples.data;
    const b = decodeLatentFile(savedFile(both, 'out').bytes, 'out').samples.data;
    expect(b.every(Number.isFinite)).toBe(true);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-2);
  });
});

describe('the exported tokenizer.json (tokenizers.js) against SentencePiece + fairseq dict.txt', () => {
  const manifest = loadKosmosGManifest(
    JSON.parse(readFileSync(join(ENCODER, 'kosmos-g.json'), 'utf8')),
    'kosmos-g.json',
  );
  const tokens = z
    .object({
      prompts: z.array(
        z.object({
          prompt: z.string(),
          images: z.number().int(),
          input_ids: z.array(z.number().int()),
          image_mask: z.array(z.number().int()),
        }),
      ),
    })
    .parse(JSON.parse(readFileSync(join(GOLDEN, 'tokens.json'), 'utf8')));

  it('lists its files with sha256', () => {
    expect(kosmosGFiles(manifest).map((f) => f.file)).toEqual([
      'vision/model.onnx',
      'mllm/model.onnx',
      'aligner/model.onnx',
      'tokenizer.json',
    ]);
  });

  it(`gives the app's ids and image masks on ${tokens.prompts.length} prompts`, () => {
    expect(tokens.prompts.length).toBeGreaterThanOrEqual(200);
    const tokenizer = loadTokenizer(
      JSON.parse(readFileSync(join(ENCODER, 'tokenizer.json'), 'utf8')),
      'tokenizer.json',
    );
    const { specialTokens: special, imageTokensPerImage, imageMarker } = manifest.constants;
    for (const p of tokens.prompts) {
      const got = interleavedIds((t) => tokenizer.encode(t), p.prompt, {
        imageTokens: imageTokensPerImage,
        special,
        marker: imageMarker,
        imageCount: p.images,
      });
      // kosmograph puts <pad> at the image positions (the MLLM overwrites them); the app puts <image> there.
      const want = p.input_ids.map((id, i) => (p.image_mask[i] === 1 ? special.pad : id));
      expect(got.inputIds, p.prompt).toEqual(want);
      expect(got.imageMask, p.prompt).toEqual(p.image_mask);
    }
  });
});
