import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import {
  type ComfyImportResult,
  importComfy,
  isComfyPlaceholder,
  matchCheckpoint,
  matchModelName,
  modelFileKey,
  REFERENCE_PACK_IMPORT,
} from '../../src/core/comfy/index';
import type { GraphDocument } from '../../src/core/document';
import { readGraphFromPng, readGraphOrComfyFromPng } from '../../src/core/graph-png';
import { loadGraphDocument } from '../../src/core/load-document';
import { validateGraph } from '../../src/core/validate';
import { validationErrorOf } from '../fixtures/validation-error';
import { exampleRunner, loadExample, savedImage, withParams } from '../integration/run-example';
import { checkPicture, classifyImage } from '../pack/world-classifier';
import { plainPng, withTextChunks } from './png-helpers';

const { lookup } = createNodeRegistry();
const fixture = (name: string) => readFileSync(`test/fixtures/comfy/${name}`, 'utf8');
const importFixture = (name: string): ComfyImportResult =>
  importComfy(fixture(name), REFERENCE_PACK_IMPORT, lookup, name);

function node(graph: GraphDocument, id: string) {
  const found = graph.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id} in ${graph.nodes.map((n) => n.id).join(', ')}`);
  return found;
}

/** The source of an input, as "node.port". */
function sourceOf(graph: GraphDocument, nodeId: string, port: string): string | undefined {
  const edge = graph.edges.find((e) => e.to.node === nodeId && e.to.port === port);
  return edge ? `${edge.from.node}.${edge.from.port}` : undefined;
}

describe('ComfyUI API-format prompts', () => {
  it('turns the default text-to-image prompt into one CLIP encoder with text and negative', () => {
    const { graph, report } = importFixture('api-text-to-image.json');
    expect(graph.nodes.map((n) => n.type)).toEqual([
      'sampling.sampler',
      'models.pack',
      'latent.empty',
      'conditioning.clip_text_encode',
      'latent.vae_decode',
      'image.save',
    ]);
    expect(node(graph, 'pack_4')).toMatchObject({
      params: { pack: 'reference' },
      title: 'Checkpoint: v1-5-pruned-emaonly.safetensors',
    });
    expect(node(graph, 'encode_6_7').params).toEqual({
      text: 'a blue square and a yellow triangle',
      negative: '',
    });
    expect(sourceOf(graph, 'sampler_3', 'positive')).toBe('encode_6_7.positive');
    expect(sourceOf(graph, 'sampler_3', 'negative')).toBe('encode_6_7.negative');
    expect(node(graph, 'sampler_3').params).toEqual({
      seed: 7,
      steps: 20,
      cfg: 7.5,
      denoise: 1,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
    });
    expect(report.placeholders).toEqual([]);
    expect(report.converted.find((c) => c.comfyId === '7')?.nodeIds).toEqual(['encode_6_7']);
    expect(validateGraph(graph, lookup)).toEqual([]);
  });

  it('maps LoRA and ControlNet names onto the pack and keeps positive and negative wired', () => {
    const { graph, report } = importFixture('api-lora-controlnet.json');
    expect(node(graph, 'lora_model_10')).toMatchObject({
      params: { name: 'pastel' },
      title: 'LoRA: Pastel.safetensors',
    });
    expect(node(graph, 'lora_10').params).toEqual({ strength: 1 });
    expect(node(graph, 'controlnet_model_13').params).toEqual({ name: 'canny' });
    expect(node(graph, 'canny_12').params).toEqual({ low_threshold: 102, high_threshold: 204 });
    expect(node(graph, 'controlnet_14').params).toEqual({ strength: 1, start: 0, end: 1 });
    expect(sourceOf(graph, 'controlnet_14', 'positive')).toBe('encode_6_7.positive');
    expect(sourceOf(graph, 'controlnet_14', 'negative')).toBe('encode_6_7.negative');
    expect(sourceOf(graph, 'sampler_3', 'positive')).toBe('controlnet_14.positive');
    expect(sourceOf(graph, 'sampler_3', 'negative')).toBe('controlnet_14.negative');
    expect(sourceOf(graph, 'sampler_3', 'unet')).toBe('lora_10.unet');
    expect(sourceOf(graph, 'lora_10', 'unet')).toBe('pack_4.unet');
    expect(sourceOf(graph, 'encode_6_7', 'clip')).toBe('pack_4.clip'); // LoRA passes CLIP through
    expect(report.warnings).toContain(
      'ComfyUI node 10 (LoraLoader): strength_clip 1 is dropped: kosmograph applies LoRAs to the U-Net only',
    );
    expect(validateGraph(graph, lookup)).toEqual([]);
  });
});

describe('ComfyUI UI-format workflows', () => {
  it('names positional widgets_values, follows reroutes and keeps the old ControlNet apply on the positive only', () => {
    const { graph, report } = importFixture('ui-lora-controlnet.json');
    expect(report.source).toBe('ui');
    // [seed, control_after_generate, steps, cfg, sampler_name, scheduler, denoise]
    expect(node(graph, 'sampler_3').params).toEqual({
      seed: 7,
      steps: 20,
      cfg: 7.5,
      denoise: 1,
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
    });
    expect(node(graph, 'lora_10').params).toEqual({ strength: 0.5 });
    expect(node(graph, 'encode_6_7')).toMatchObject({
      title: 'Positive',
      params: { text: 'a red circle and a yellow square on a gray background', negative: 'a blue square' },
    });
    // ControlNetApply hints only the conditioning it is given: the sampler's negative bypasses it.
    expect(sourceOf(graph, 'controlnet_14', 'positive')).toBe('encode_6_7.positive');
    expect(sourceOf(graph, 'sampler_3', 'positive')).toBe('controlnet_14.positive');
    expect(sourceOf(graph, 'sampler_3', 'negative')).toBe('encode_6_7.negative');
    expect(node(graph, 'controlnet_model_13').params).toEqual({ name: 'canny' });
    expect(node(graph, 'save_9').params).toEqual({ filename_prefix: 'ComfyUI_shapes' });
    expect(graph.layout?.nodes.sampler_3).toEqual({ x: 1520, y: 260 });
    expect(graph.notes).toEqual([
      {
        id: 'note_17',
        text: 'Shapes-world test workflow: a pastel red circle and yellow square traced from a control image.',
      },
    ]);
    expect(graph.groups).toEqual([
      { id: 'group_1', title: 'Models', color: '#3f789e', nodeIds: ['pack_4', 'lora_model_10', 'lora_10'] },
    ]);
    expect(validateGraph(graph, lookup)).toEqual([]);
  });

  it('gives the same graph as the API prompt ComfyUI runs for it', () => {
    const ui = importFixture('ui-lora-controlnet.json').graph;
    const api = importFixture('api-of-ui-lora-controlnet.json').graph;
    const canonical = (g: GraphDocument) => ({
      nodes: [...g.nodes].sort((a, b) => a.id.localeCompare(b.id)),
      edges: g.edges.map((e) => `${e.from.node}.${e.from.port}>${e.to.node}.${e.to.port}`).sort(),
    });
    expect(canonical(api)).toEqual(canonical(ui));
  });

  it('reads widgets_values without control_after_generate, primitives, bypassed and muted nodes', () => {
    const workflow = {
      nodes: [
        { id: 1, type: 'CheckpointLoaderSimple', widgets_values: ['sd15.ckpt'] },
        {
          id: 2,
          type: 'CLIPTextEncode',
          inputs: [{ name: 'clip', link: 1 }],
          widgets_values: ['a red circle'],
        },
        {
          id: 3,
          type: 'KSampler',
          inputs: [
            { name: 'model', link: 2 },
            { name: 'positive', link: 3 },
            { name: 'negative', link: 4 },
            { name: 'latent_image', link: 5 },
            { name: 'seed', type: 'INT', link: 6, widget: { name: 'seed' } },
          ],
          widgets_values: [1, 12, 5, 'euler', 'normal', 0.5],
        },
        { id: 4, type: 'EmptyLatentImage', widgets_values: [128, 128, 1] },
        {
          id: 5,
          type: 'PrimitiveNode',
          outputs: [{ name: 'INT', links: [6] }],
          widgets_values: [99, 'fixed'],
        },
        {
          id: 6,
          type: 'LoraLoader',
          mode: 4,
          inputs: [
            { name: 'model', type: 'MODEL', link: 7 },
            { name: 'clip', type: 'CLIP', link: 8 },
          ],
          widgets_values: ['x.safetensors', 1, 1],
        },
        {
          id: 7,
          type: 'VAEDecode',
          inputs: [
            { name: 'samples', link: 9 },
            { name: 'vae', link: 10 },
          ],
        },
        { id: 8, type: 'SaveImage', mode: 2, inputs: [{ name: 'images', link: 11 }], widgets_values: ['x'] },
        { id: 9, type: 'PreviewImage', inputs: [{ name: 'images', link: 12 }] },
      ],
      links: [
        [1, 1, 1, 2, 0, 'CLIP'],
        [2, 6, 0, 3, 0, 'MODEL'],
        [3, 2, 0, 3, 1, 'CONDITIONING'],
        [4, 2, 0, 3, 2, 'CONDITIONING'],
        [5, 4, 0, 3, 3, 'LATENT'],
        [6, 5, 0, 3, 4, 'INT'],
        [7, 1, 0, 6, 0, 'MODEL'],
        [8, 1, 1, 6, 1, 'CLIP'],
        [9, 3, 0, 7, 0, 'LATENT'],
        [10, 1, 2, 7, 1, 'VAE'],
        [11, 7, 0, 8, 0, 'IMAGE'],
        [12, 7, 0, 9, 0, 'IMAGE'],
      ],
    };
    const { graph, report } = importComfy(JSON.stringify(workflow), REFERENCE_PACK_IMPORT, lookup);
    expect(node(graph, 'sampler_3').params).toEqual({
      seed: 99,
      steps: 12,
      cfg: 5,
      denoise: 0.5,
      sampler: 'euler',
      scheduler: 'normal',
    });
    // One encoder feeds both: its text goes in both params, each output in its role.
    expect(node(graph, 'encode_2').params).toEqual({ text: 'a red circle', negative: 'a red circle' });
    expect(sourceOf(graph, 'sampler_3', 'negative')).toBe('encode_2.negative');
    expect(sourceOf(graph, 'sampler_3', 'unet')).toBe('pack_1.unet'); // through the bypassed LoRA
    expect(graph.nodes.map((n) => n.id)).not.toContain('save_8');
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        'ComfyUI node 6 (LoraLoader) is bypassed; left out',
        'ComfyUI node 8 (SaveImage) is muted; left out',
      ]),
    );
    expect(validateGraph(graph, lookup)).toEqual([]);
  });
});

describe('imported graphs run on the reference pack (cpu)', () => {
  const runner = exampleRunner('cpu');

  it('the text-to-image prompt draws exactly what the kosmograph example draws', async () => {
    const { run } = await runner;
    const imported = await run(importFixture('api-text-to-image.json').graph);
    const example = await run(loadExample('text-to-image'));
    expect(imported.status, imported.error?.message).toBe('done');
    expect(savedImage(imported, 'save_9').image.data).toEqual(savedImage(example).image.data);
  });

  it.each([
    [
      'api-lora-controlnet.json',
      {
        entities: [
          { shape: 'circle', color: 'red' },
          { shape: 'square', color: 'yellow' },
        ],
        pastel: 0.5,
      },
    ],
    [
      'ui-lora-controlnet.json',
      {
        background: 'gray',
        entities: [
          { shape: 'circle', color: 'red' },
          { shape: 'square', color: 'yellow' },
        ],
        pastel: 0.25,
      },
    ],
  ] as const)('%s (LoRA + ControlNet) draws the controlled, pastel picture', async (name, expected) => {
    const { run } = await runner;
    const graph = withParams(importFixture(name).graph, { 'image_11.image': 'images/circle-and-square.png' });
    const result = await run(graph);
    expect(result.status, result.error?.message).toBe('done');
    const classification = classifyImage(savedImage(result, 'save_9').image);
    expect(checkPicture(classification, expected), JSON.stringify(classification)).toEqual([]);
  });
});

describe('unsupported ComfyUI nodes', () => {
  it('become placeholders that keep their type, params and wiring, listed in the report', () => {
    const { graph, report } = importFixture('api-unsupported.json');
    expect(report.placeholders).toEqual([
      { comfyId: '20', classType: 'CLIPSetLastLayer', nodeId: 'comfy_20' },
      { comfyId: '21', classType: 'LatentUpscaleBy', nodeId: 'comfy_21' },
    ]);
    expect(node(graph, 'comfy_20')).toEqual({
      id: 'comfy_20',
      type: 'comfy.CLIPSetLastLayer',
      typeVersion: 1,
      title: 'Clip skip 2',
      params: { stop_at_clip_layer: -2 },
    });
    expect(isComfyPlaceholder(node(graph, 'comfy_21'))).toBe(true);
    expect(sourceOf(graph, 'comfy_20', 'clip')).toBe('pack_4.clip');
    expect(sourceOf(graph, 'encode_6_7', 'clip')).toBe('comfy_20.output_0');
    expect(sourceOf(graph, 'decode_8', 'latent')).toBe('comfy_21.output_0');
    expect(node(graph, 'sampler_3').params).toMatchObject({ sampler: 'dpmpp_2m', scheduler: 'karras' });
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/sampler_name "uni_pc" is not available in kosmograph .*using "dpmpp_2m"/),
        expect.stringMatching(/scheduler "simple" is not available in kosmograph .*using "karras"/),
        'ComfyUI node 5 (EmptyLatentImage): 512x768 latents: pack "reference" draws 128x128 images',
        'ComfyUI node 9 (SaveImage): filename_prefix "castles/%date%" becomes "castles__date_"',
      ]),
    );
    // The graph opens (placeholders warn) and says why it cannot run.
    const loaded = loadGraphDocument(JSON.parse(JSON.stringify(graph)), lookup);
    expect(loaded.graph).toEqual(graph);
    expect(loaded.warnings).toContain(
      'node "comfy_20": unknown type "comfy.CLIPSetLastLayer", kept as a placeholder',
    );
    expect(validateGraph(graph, lookup).map((i) => i.code)).toEqual([
      'unknown_node_type',
      'unknown_node_type',
    ]);
  });

  it('clamps values outside kosmograph ranges and reports LoRAs the pack does not have', () => {
    const prompt = JSON.parse(fixture('api-lora-controlnet.json')) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    prompt['3']!.inputs.steps = 500;
    prompt['10']!.inputs.lora_name = 'styles/watercolor_v2.safetensors';
    prompt['14']!.inputs.strength = 3.5;
    const { graph, report } = importComfy(JSON.stringify(prompt), REFERENCE_PACK_IMPORT, lookup);
    expect(node(graph, 'sampler_3').params.steps).toBe(150);
    expect(node(graph, 'controlnet_14').params.strength).toBe(2);
    expect(node(graph, 'lora_model_10').params.name).toBe('watercolor_v2');
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        "ComfyUI node 3 (KSampler): steps 500 is outside kosmograph's range 1..150; set to 150",
        expect.stringMatching(
          /LoRA "styles\/watercolor_v2.safetensors" is not in pack "reference" \(it has "pastel"\)/,
        ),
      ]),
    );
  });

  it('matches model files by name without folder or extension, case-insensitively', () => {
    expect(modelFileKey('loras/Sub Dir/Pastel.SAFETENSORS')).toBe('pastel');
    expect(modelFileKey('C:\\models\\canny.pth')).toBe('canny');
    expect(modelFileKey('canny')).toBe('canny');
  });

  it('the reference pack options name what the generated manifest holds', () => {
    const manifest = JSON.parse(readFileSync('public/packs/shapes-world/manifest.json', 'utf8')) as {
      components: { loras: Record<string, unknown>; controlnet: Record<string, unknown> };
      constants: { imageSize: number };
    };
    expect([...REFERENCE_PACK_IMPORT.packLoras]).toEqual(Object.keys(manifest.components.loras));
    expect([...REFERENCE_PACK_IMPORT.packControlnets]).toEqual(Object.keys(manifest.components.controlnet));
    expect(REFERENCE_PACK_IMPORT.imageSize).toBe(manifest.constants.imageSize);
  });
});

describe('bad ComfyUI input gets a clear message', () => {
  it.each([
    [
      'api-cycle.json',
      /api-cycle\.json: the workflow has a cycle through node 3 \(KSampler\), node 8 \(VAEDecode\), node 10 \(VAEEncode\)$/,
    ],
    [
      'api-missing-link.json',
      /ComfyUI node 3 \(KSampler\) input "negative" is linked to node 7, which is not in the workflow; ComfyUI node 3 \(KSampler\) input "latent_image" is linked to node 5/,
    ],
    [
      'ui-missing-link.json',
      /ComfyUI node 3 \(KSampler\) input "model" uses link 22, which is not in the workflow/,
    ],
  ])('%s', (name, message) => {
    expect(validationErrorOf(() => importFixture(name)).message).toMatch(message);
  });

  it.each([
    ['text that is not JSON', '{"3": {', /x: the file is not valid JSON/],
    ['a JSON array', '[1, 2]', /x: not a ComfyUI workflow: expected an API-format prompt/],
    ['an object of something else', '{"a": {"b": 1}}', /not a ComfyUI workflow/],
    ['an empty object', '{}', /not a ComfyUI workflow/],
    [
      'a kosmograph graph',
      fixture('../../../public/examples/canny.json'),
      /this is a kosmograph graph, not a ComfyUI workflow/,
    ],
    [
      'a UI workflow with broken nodes',
      '{"nodes": [{"id": 1}], "links": []}',
      /not a valid ComfyUI UI-format workflow \(at nodes\.0\.type/,
    ],
    [
      'a link to an output that does not exist',
      '{"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "a"}}, "2": {"class_type": "VAEDecode", "inputs": {"vae": ["1", 5]}}}',
      /node 2 \(VAEDecode\) input "vae" is linked to output 5 of ComfyUI node 1 \(CheckpointLoaderSimple\), which has 3 outputs/,
    ],
  ])('%s', (_label, text, message) => {
    expect(validationErrorOf(() => importComfy(text, REFERENCE_PACK_IMPORT, lookup, 'x')).message).toMatch(
      message,
    );
  });
});

describe('ComfyUI PNGs', () => {
  const comfyPng = (entries: { keyword: string; text: string }[]) => withTextChunks(plainPng(), entries);
  const prompt = fixture('api-of-ui-lora-controlnet.json');
  const workflow = fixture('ui-lora-controlnet.json');

  it('import the prompt chunk, with positions, notes and groups from the workflow chunk', () => {
    const png = comfyPng([
      { keyword: 'prompt', text: prompt },
      { keyword: 'workflow', text: workflow },
    ]);
    const fromPng = importComfy(png, REFERENCE_PACK_IMPORT, lookup, 'comfy.png');
    const fromUi = importFixture('ui-lora-controlnet.json');
    expect(fromPng.report.source).toBe('api');
    expect(fromPng.graph.layout).toEqual(fromUi.graph.layout);
    expect(fromPng.graph.notes).toEqual(fromUi.graph.notes);
    expect(fromPng.graph.groups).toEqual(fromUi.graph.groups);
    expect(validateGraph(fromPng.graph, lookup)).toEqual([]);
  });

  it('fall back to the workflow chunk when the prompt chunk is unusable', () => {
    const png = comfyPng([
      { keyword: 'prompt', text: '{"3": ' },
      { keyword: 'workflow', text: workflow },
    ]);
    const { report } = importComfy(png, REFERENCE_PACK_IMPORT, lookup, 'comfy.png');
    expect(report.source).toBe('ui');
    expect(report.warnings[0]).toMatch(/^the "prompt" chunk is not valid JSON/);
  });

  it('readGraphOrComfyFromPng prefers the kosmograph chunk and else converts ComfyUI chunks', () => {
    const comfy = readGraphOrComfyFromPng(comfyPng([{ keyword: 'workflow', text: workflow }]), lookup);
    expect(comfy.source).toBe('comfyui');
    expect(comfy.source === 'comfyui' && comfy.report.converted.length).toBe(13);
    expect(comfy.warnings.length).toBeGreaterThan(0);
    expect(() => readGraphOrComfyFromPng(plainPng(), lookup, REFERENCE_PACK_IMPORT, 'plain.png')).toThrow(
      'plain.png: no kosmograph graph or ComfyUI workflow in this image',
    );
    expect(() =>
      readGraphOrComfyFromPng(
        comfyPng([{ keyword: 'prompt', text: 'nope' }]),
        lookup,
        REFERENCE_PACK_IMPORT,
        'c.png',
      ),
    ).toThrow(/c\.png: the "prompt" chunk is not valid JSON/);
  });

  it('kosmograph run on a ComfyUI PNG points at import-comfy', () => {
    const png = comfyPng([{ keyword: 'prompt', text: prompt }]);
    expect(() => readGraphFromPng(png, lookup, 'comfy.png')).toThrow(
      /comfy\.png: no kosmograph graph in this image \(it holds a ComfyUI workflow: convert it with `kosmograph import-comfy`\)/,
    );
  });

  it('a PNG without ComfyUI chunks, or a damaged one, is refused clearly', () => {
    expect(
      validationErrorOf(() => importComfy(plainPng(), REFERENCE_PACK_IMPORT, lookup, 'p.png')).message,
    ).toBe('p.png: no ComfyUI workflow in this image (no "prompt" or "workflow" text chunk)');
    const png = comfyPng([{ keyword: 'prompt', text: prompt }]);
    expect(
      validationErrorOf(() => importComfy(png.subarray(0, 200), REFERENCE_PACK_IMPORT, lookup, 'p.png'))
        .message,
    ).toMatch(/^p\.png: damaged PNG \(truncated PNG/);
  });
});

describe('checkpoint loaders with a table of checkpoint folders', () => {
  const withCheckpoints = (checkpoints: Record<string, string>) => ({
    ...REFERENCE_PACK_IMPORT,
    checkpoints,
  });
  const importWith = (name: string, checkpoints: Record<string, string>) =>
    importComfy(fixture(name), withCheckpoints(checkpoints), lookup, name);

  it('matches ckpt_name exactly, without its extension, or without folders and extension', () => {
    const table = { 'v1-5-pruned-emaonly': '/m/v15', 'dream.ckpt': '/m/dream-exact', dream: '/m/dream' };
    expect(matchCheckpoint('v1-5-pruned-emaonly.safetensors', table)).toBe('/m/v15');
    expect(matchCheckpoint('v1-5-pruned-emaonly', table)).toBe('/m/v15');
    expect(matchCheckpoint('SD1.5/v1-5-pruned-emaonly.ckpt', table)).toBe('/m/v15');
    expect(matchCheckpoint('SD1.5\\v1-5-pruned-emaonly.safetensors', table)).toBe('/m/v15');
    expect(matchCheckpoint('dream.ckpt', table)).toBe('/m/dream-exact'); // the exact name first
    expect(matchCheckpoint('dream.safetensors', table)).toBe('/m/dream');
    expect(matchCheckpoint('V1-5-PRUNED-EMAONLY.safetensors', table)).toBeUndefined();
    expect(matchCheckpoint('v1-5-pruned', table)).toBeUndefined();
    expect(matchCheckpoint('toString', table)).toBeUndefined(); // own names only
  });

  it('CheckpointLoaderSimple becomes models.checkpoint wired to the sampler, encoders, latent and decoder', () => {
    const { graph, report } = importWith('api-text-to-image.json', { 'v1-5-pruned-emaonly': 'models/sd15' });
    expect(graph.nodes.map((n) => n.type)).toEqual([
      'sampling.sampler',
      'models.checkpoint',
      'latent.empty',
      'conditioning.clip_text_encode',
      'latent.vae_decode',
      'image.save',
    ]);
    expect(node(graph, 'checkpoint_4')).toMatchObject({
      params: { checkpoint: 'models/sd15' },
      title: 'Checkpoint: v1-5-pruned-emaonly.safetensors',
    });
    expect(sourceOf(graph, 'sampler_3', 'unet')).toBe('checkpoint_4.unet');
    expect(sourceOf(graph, 'encode_6_7', 'clip')).toBe('checkpoint_4.clip');
    expect(sourceOf(graph, 'decode_8', 'vae')).toBe('checkpoint_4.vae');
    expect(sourceOf(graph, 'latent_5', 'vae')).toBe('checkpoint_4.vae');
    expect(report.warnings).toContain(
      'ComfyUI node 4 (CheckpointLoaderSimple): checkpoint "v1-5-pruned-emaonly.safetensors" runs from the ONNX checkpoint folder "models/sd15"',
    );
    expect(report.converted.find((c) => c.comfyId === '4')?.nodeIds).toEqual(['checkpoint_4']);
    expect(validateGraph(graph, lookup)).toEqual([]);
  });

  it('without a match keeps the reference pack and says so, naming ckpt_name and the folders given', () => {
    const { graph, report } = importWith('api-text-to-image.json', { 'other-model': '/m/other' });
    expect(node(graph, 'pack_4')).toMatchObject({ type: 'models.pack', params: { pack: 'reference' } });
    expect(report.warnings).toContain(
      'ComfyUI node 4 (CheckpointLoaderSimple): checkpoint "v1-5-pruned-emaonly.safetensors" matches none of the checkpoint folders given ("other-model"); it runs as model pack "reference"',
    );
    expect(validateGraph(graph, lookup)).toEqual([]);
    // No table at all: today's behaviour and message.
    expect(importFixture('api-text-to-image.json').report.warnings).toContain(
      'ComfyUI node 4 (CheckpointLoaderSimple): checkpoint "v1-5-pruned-emaonly.safetensors" runs as model pack "reference"',
    );
  });

  it('LoRA and ControlNet loaders of a checkpoint folder take their models from an added model pack', () => {
    const { graph, report } = importWith('api-lora-controlnet.json', { 'v1-5-pruned-emaonly': '/m/v15' });
    expect(node(graph, 'checkpoint_4').type).toBe('models.checkpoint');
    expect(node(graph, 'pack')).toMatchObject({ type: 'models.pack', params: { pack: 'reference' } });
    expect(sourceOf(graph, 'lora_model_10', 'pack')).toBe('pack.pack');
    expect(sourceOf(graph, 'controlnet_model_13', 'pack')).toBe('pack.pack');
    expect(sourceOf(graph, 'lora_10', 'unet')).toBe('checkpoint_4.unet');
    expect(sourceOf(graph, 'encode_6_7', 'clip')).toBe('checkpoint_4.clip');
    expect(report.warnings).toContain(
      'LoRAs and ControlNets come from a model pack (checkpoint folders hold none); added model pack "reference" as "pack"',
    );
    expect(validateGraph(graph, lookup)).toEqual([]);
  });

  it('CheckpointLoader (with config) maps the same way, in UI and API format, and drops config_name', () => {
    const ui = {
      nodes: [
        {
          id: 1,
          type: 'CheckpointLoader',
          widgets_values: ['v1-inference.yaml', 'v1-5-pruned-emaonly.ckpt'],
        },
        {
          id: 2,
          type: 'CLIPTextEncode',
          inputs: [{ name: 'clip', link: 1 }],
          widgets_values: ['a red circle'],
        },
        {
          id: 3,
          type: 'KSampler',
          inputs: [
            { name: 'model', link: 2 },
            { name: 'positive', link: 3 },
            { name: 'negative', link: 4 },
            { name: 'latent_image', link: 5 },
          ],
          widgets_values: [1, 'fixed', 12, 5, 'euler', 'normal', 1],
        },
        { id: 4, type: 'EmptyLatentImage', widgets_values: [512, 512, 1] },
        {
          id: 5,
          type: 'VAEDecode',
          inputs: [
            { name: 'samples', link: 6 },
            { name: 'vae', link: 7 },
          ],
        },
        { id: 6, type: 'PreviewImage', inputs: [{ name: 'images', link: 8 }] },
      ],
      links: [
        [1, 1, 1, 2, 0, 'CLIP'],
        [2, 1, 0, 3, 0, 'MODEL'],
        [3, 2, 0, 3, 1, 'CONDITIONING'],
        [4, 2, 0, 3, 2, 'CONDITIONING'],
        [5, 4, 0, 3, 3, 'LATENT'],
        [6, 3, 0, 5, 0, 'LATENT'],
        [7, 1, 2, 5, 1, 'VAE'],
        [8, 5, 0, 6, 0, 'IMAGE'],
      ],
    };
    const options = withCheckpoints({ 'v1-5-pruned-emaonly': '/m/v15' });
    const { graph, report } = importComfy(JSON.stringify(ui), options, lookup);
    expect(node(graph, 'checkpoint_1')).toMatchObject({
      type: 'models.checkpoint',
      params: { checkpoint: '/m/v15' },
      title: 'Checkpoint: v1-5-pruned-emaonly.ckpt',
    });
    expect(sourceOf(graph, 'sampler_3', 'unet')).toBe('checkpoint_1.unet');
    expect(sourceOf(graph, 'decode_5', 'vae')).toBe('checkpoint_1.vae');
    expect(report.placeholders).toEqual([]);
    expect(report.warnings).toContain(
      `ComfyUI node 1 (CheckpointLoader): config_name "v1-inference.yaml" is dropped: kosmograph reads the model's configuration from its folder`,
    );
    // 512x512 is the checkpoint's business, not the reference pack's 128x128.
    expect(report.warnings.filter((w) => w.includes('latents'))).toEqual([]);
    expect(validateGraph(graph, lookup)).toEqual([]);

    const api = {
      '1': {
        class_type: 'CheckpointLoader',
        inputs: { config_name: 'v1-inference.yaml', ckpt_name: 'v1-5-pruned-emaonly.ckpt' },
      },
      '5': { class_type: 'VAEDecode', inputs: { samples: ['4', 0], vae: ['1', 2] } },
      '4': { class_type: 'EmptyLatentImage', inputs: { width: 128, height: 128, batch_size: 1 } },
      '6': { class_type: 'PreviewImage', inputs: { images: ['5', 0] } },
    };
    const fromApi = importComfy(JSON.stringify(api), options, lookup);
    expect(node(fromApi.graph, 'checkpoint_1').type).toBe('models.checkpoint');
    expect(sourceOf(fromApi.graph, 'decode_5', 'vae')).toBe('checkpoint_1.vae');
    expect(sourceOf(fromApi.graph, 'latent_4', 'vae')).toBe('checkpoint_1.vae');
    // Without a table it runs as the pack, like CheckpointLoaderSimple (it used to be a placeholder).
    const noTable = importComfy(JSON.stringify(api), REFERENCE_PACK_IMPORT, lookup);
    expect(node(noTable.graph, 'pack_1')).toMatchObject({
      type: 'models.pack',
      params: { pack: 'reference' },
    });
    expect(noTable.report.placeholders).toEqual([]);
    expect(validateGraph(noTable.graph, lookup)).toEqual([]);
  });
});

describe('ControlNet folders and LoRA files (tables of known models)', () => {
  /** The tables `import-comfy --checkpoints/--controlnets/--loras` builds for the tiny SD1.5 fixtures. */
  const tables = {
    ...REFERENCE_PACK_IMPORT,
    checkpoints: { 'sd15-controlnet-ready': 'models/sd15-controlnet-ready' },
    controlnets: { control_v11p_sd15_canny: 'models/control_v11p_sd15_canny' },
    loras: { 'lora-kohya': 'loras/lora-kohya.safetensors', 'lora-peft': 'loras/lora-peft.safetensors' },
  };
  const importWith = (name: string, options: typeof tables | typeof REFERENCE_PACK_IMPORT = tables) =>
    importComfy(fixture(name), options, lookup, name);
  const edgesOf = (g: GraphDocument) =>
    g.edges.map((e) => `${e.from.node}.${e.from.port}>${e.to.node}.${e.to.port}`).sort();

  it('matches control_net_name and lora_name like ckpt_name, and a file name with its extension', () => {
    expect(matchModelName('control_v11p_sd15_canny.pth', tables.controlnets)).toBe(
      'models/control_v11p_sd15_canny',
    );
    expect(matchModelName('styles/lora-peft.safetensors', tables.loras)).toBe('loras/lora-peft.safetensors');
    expect(matchModelName('lora-kohya', tables.loras)).toBe('loras/lora-kohya.safetensors');
    const byFile = { 'a.safetensors': '/l/a-file', a: '/l/a' };
    expect(matchModelName('sub/a.safetensors', byFile)).toBe('/l/a-file'); // without folders, then without extension
    expect(matchModelName('a.ckpt', byFile)).toBe('/l/a');
    expect(matchModelName('b.safetensors', byFile)).toBeUndefined();
    expect(matchModelName('constructor', byFile)).toBeUndefined();
  });

  it('a LoraLoader chain becomes models.lora_file nodes in order, and ControlNetApplyAdvanced opens the ControlNet folder', () => {
    const { graph, report } = importWith('api-lora-chain-controlnet.json');
    expect(graph.nodes.map((n) => n.type).sort()).toEqual(
      [
        'conditioning.apply_controlnet',
        'conditioning.clip_text_encode',
        'image.load',
        'image.save',
        'latent.empty',
        'latent.vae_decode',
        'models.checkpoint',
        'models.controlnet',
        'models.lora_file',
        'models.lora_file',
        'sampling.sampler',
      ].sort(),
    );
    expect(node(graph, 'checkpoint_4').params).toEqual({ checkpoint: 'models/sd15-controlnet-ready' });
    expect(node(graph, 'lora_10')).toMatchObject({
      type: 'models.lora_file',
      title: 'LoRA: lora-kohya.safetensors',
      params: { lora: 'loras/lora-kohya.safetensors', strength_model: 0.8, strength_clip: 0.4 },
    });
    expect(node(graph, 'lora_15')).toMatchObject({
      type: 'models.lora_file',
      title: 'LoRA: styles/lora-peft.safetensors',
      params: { lora: 'loras/lora-peft.safetensors', strength_model: 0.5, strength_clip: 1.25 },
    });
    expect(node(graph, 'controlnet_model_13')).toMatchObject({
      type: 'models.controlnet',
      title: 'ControlNet: control_v11p_sd15_canny.pth',
      params: { folder: 'models/control_v11p_sd15_canny' },
    });
    expect(node(graph, 'controlnet_14').params).toEqual({ strength: 0.8, start: 0.1, end: 0.6 });
    expect(node(graph, 'latent_5').params).toEqual({ width: 64, height: 64, batch_size: 1 });
    expect(node(graph, 'encode_6_7').params).toEqual({
      text: 'a red circle on a white background, highly detailed',
      negative: 'blurry, low quality',
    });
    expect(edgesOf(graph)).toEqual(
      [
        // checkpoint -> kohya -> peft, for the U-Net and for CLIP
        'checkpoint_4.unet>lora_10.unet',
        'checkpoint_4.clip>lora_10.clip',
        'lora_10.unet>lora_15.unet',
        'lora_10.clip>lora_15.clip',
        'lora_15.unet>sampler_3.unet',
        'lora_15.clip>encode_6_7.clip',
        'encode_6_7.positive>controlnet_14.positive',
        'encode_6_7.negative>controlnet_14.negative',
        'controlnet_model_13.controlnet>controlnet_14.controlnet',
        'image_11.image>controlnet_14.image',
        'controlnet_14.positive>sampler_3.positive',
        'controlnet_14.negative>sampler_3.negative',
        'latent_5.latent>sampler_3.latent',
        'checkpoint_4.vae>latent_5.vae',
        'sampler_3.latent>decode_8.latent',
        'checkpoint_4.vae>decode_8.vae',
        'decode_8.image>save_9.image',
      ].sort(),
    );
    expect(report.converted.find((c) => c.comfyId === '10')?.nodeIds).toEqual(['lora_10']);
    expect(report.placeholders).toEqual([]);
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        'ComfyUI node 10 (LoraLoader): LoRA "lora-kohya.safetensors" runs from the LoRA file "loras/lora-kohya.safetensors"',
        'ComfyUI node 15 (LoraLoader): LoRA "styles/lora-peft.safetensors" runs from the LoRA file "loras/lora-peft.safetensors"',
        'ComfyUI node 13 (ControlNetLoader): ControlNet "control_v11p_sd15_canny.pth" runs from the ControlNet folder "models/control_v11p_sd15_canny"',
      ]),
    );
    // Nothing comes from a pack: no pack is added, no strength is dropped, no latent size is questioned.
    expect(report.warnings.filter((w) => /model pack|dropped: kosmograph applies|latents/.test(w))).toEqual(
      [],
    );
    expect(validateGraph(graph, lookup)).toEqual([]);
  });

  it('the UI-format workflow gives the same graph as its API prompt', () => {
    const ui = importWith('ui-lora-chain-controlnet.json');
    const api = importWith('api-lora-chain-controlnet.json');
    expect(ui.report.source).toBe('ui');
    const sorted = (g: GraphDocument) => [...g.nodes].sort((a, b) => a.id.localeCompare(b.id));
    expect(sorted(ui.graph)).toEqual(sorted(api.graph));
    expect(edgesOf(ui.graph)).toEqual(edgesOf(api.graph));
    expect(validateGraph(ui.graph, lookup)).toEqual([]);
  });

  it('without a match keeps the pack LoRAs and ControlNet, chained in order, and names each file name', () => {
    const options = {
      ...tables,
      controlnets: { control_v11f1p_sd15_depth: 'models/depth' },
      loras: { other: 'loras/other.safetensors' },
    };
    const { graph, report } = importWith('api-lora-chain-controlnet.json', options);
    expect(graph.nodes.some((n) => n.type === 'models.lora_file')).toBe(false);
    expect(node(graph, 'lora_model_10').params).toEqual({ name: 'lora-kohya' });
    expect(node(graph, 'lora_10').params).toEqual({ strength: 0.8 });
    expect(node(graph, 'lora_model_15').params).toEqual({ name: 'lora-peft' });
    expect(node(graph, 'lora_15').params).toEqual({ strength: 0.5 });
    expect(sourceOf(graph, 'lora_10', 'unet')).toBe('checkpoint_4.unet');
    expect(sourceOf(graph, 'lora_15', 'unet')).toBe('lora_10.unet');
    expect(sourceOf(graph, 'sampler_3', 'unet')).toBe('lora_15.unet');
    expect(sourceOf(graph, 'encode_6_7', 'clip')).toBe('checkpoint_4.clip'); // pack LoRAs pass CLIP through
    expect(node(graph, 'controlnet_model_13').params).toEqual({ name: 'canny' });
    expect(sourceOf(graph, 'controlnet_model_13', 'pack')).toBe('pack.pack');
    expect(sourceOf(graph, 'lora_model_15', 'pack')).toBe('pack.pack');
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        'ComfyUI node 10 (LoraLoader): LoRA "lora-kohya.safetensors" matches none of the LoRA files given ("other"); it is looked up in model pack "reference"',
        'ComfyUI node 15 (LoraLoader): LoRA "styles/lora-peft.safetensors" matches none of the LoRA files given ("other"); it is looked up in model pack "reference"',
        'ComfyUI node 13 (ControlNetLoader): ControlNet "control_v11p_sd15_canny.pth" matches none of the ControlNet folders given ("control_v11f1p_sd15_depth"); it is looked up in model pack "reference"',
        'ComfyUI node 15 (LoraLoader): strength_clip 1.25 is dropped: kosmograph applies LoRAs to the U-Net only',
        'LoRAs and ControlNets come from a model pack (checkpoint folders hold none); added model pack "reference" as "pack"',
      ]),
    );
    expect(validateGraph(graph, lookup)).toEqual([]);
    // No tables at all: today's messages only.
    const plain = importWith('api-lora-chain-controlnet.json', REFERENCE_PACK_IMPORT);
    expect(plain.report.warnings.filter((w) => w.includes('matches none of the'))).toEqual([]);
    expect(node(plain.graph, 'lora_model_10').type).toBe('models.lora');
  });

  it('a LoRA file before a pack LoRA: CLIP comes from the file, through the pack LoRA', () => {
    const options = { ...tables, loras: { 'lora-kohya': 'loras/lora-kohya.safetensors' } };
    const { graph } = importWith('api-lora-chain-controlnet.json', options);
    expect(node(graph, 'lora_10').type).toBe('models.lora_file');
    expect(node(graph, 'lora_15').type).toBe('models.apply_lora');
    expect(sourceOf(graph, 'lora_15', 'unet')).toBe('lora_10.unet');
    expect(sourceOf(graph, 'encode_6_7', 'clip')).toBe('lora_10.clip');
    expect(validateGraph(graph, lookup)).toEqual([]);
  });

  it('the old ControlNetApply opens a ControlNet folder too, with no pack for it', () => {
    const options = { ...REFERENCE_PACK_IMPORT, controlnets: tables.controlnets };
    const { graph } = importWith('ui-lora-controlnet.json', options);
    expect(node(graph, 'controlnet_model_13').params).toEqual({ folder: 'models/control_v11p_sd15_canny' });
    expect(sourceOf(graph, 'controlnet_model_13', 'pack')).toBeUndefined();
    expect(sourceOf(graph, 'controlnet_14', 'controlnet')).toBe('controlnet_model_13.controlnet');
    expect(node(graph, 'controlnet_14').params).toEqual({ strength: 0.9, start: 0, end: 1 });
    expect(sourceOf(graph, 'lora_model_10', 'pack')).toBe('pack_4.pack');
    expect(validateGraph(graph, lookup)).toEqual([]);
  });
});
