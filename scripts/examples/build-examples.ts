// Writes public/examples/*.json and their input images. The graphs keep stable node ids
// (users script them with --set and --input). Run: npx tsx scripts/examples/build-examples.ts
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from '../../src/core/document';
import { encodePng } from '../../src/runtime/image/codec';
import { BACKGROUND_RGB, COLOR_RGB, renderScene, SLOTS } from '../pack/world';

const DIR = 'public/examples';
mkdirSync(join(DIR, 'images'), { recursive: true });

function writeImage(name: string, image: { width: number; height: number; data: Uint8Array }): string {
  writeFileSync(join(DIR, 'images', name), encodePng(image));
  return `images/${name}`;
}

const images = {
  blueSquare: writeImage(
    'blue-square.png',
    renderScene(BACKGROUND_RGB.white, [{ shape: 'square', rgb: COLOR_RGB.blue, cx: 44, cy: 82, r: 24 }]),
  ),
  yellowTriangle: writeImage(
    'yellow-triangle.png',
    renderScene(BACKGROUND_RGB.gray, [{ shape: 'triangle', rgb: COLOR_RGB.yellow, cx: 84, cy: 50, r: 30 }]),
  ),
  greenCircleOnBlack: writeImage(
    'green-circle-on-black.png',
    renderScene(BACKGROUND_RGB.black, [{ shape: 'circle', rgb: COLOR_RGB.green, cx: 70, cy: 66, r: 20 }]),
  ),
  circleAndSquare: writeImage(
    'circle-and-square.png',
    renderScene(BACKGROUND_RGB.white, [
      { shape: 'circle', rgb: COLOR_RGB.green, ...SLOTS.left },
      { shape: 'square', rgb: COLOR_RGB.green, ...SLOTS.right },
    ]),
  ),
};

type Params = GraphDocument['nodes'][number]['params'];
interface Spec {
  readonly id: string;
  readonly type: string;
  readonly params?: Params;
  readonly at: [number, number];
}

function graph(name: string, description: string, nodes: Spec[], wires: [string, string][]): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    meta: { name, description },
    nodes: nodes.map((n) => ({ id: n.id, type: n.type, typeVersion: 1, params: n.params ?? {} })),
    edges: wires.map(([from, to]) => {
      const [fromNode, fromPort] = from.split('.') as [string, string];
      const [toNode, toPort] = to.split('.') as [string, string];
      return { from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } };
    }),
    layout: { nodes: Object.fromEntries(nodes.map((n) => [n.id, { x: n.at[0] * 300, y: n.at[1] * 180 }])) },
  };
}

const SAMPLER = { seed: 7, steps: 20, cfg: 7.5, sampler: 'dpmpp_2m', scheduler: 'karras', denoise: 1 };
const pack: Spec = { id: 'pack', type: 'models.pack', params: { pack: 'reference' }, at: [0, 0] };
const latent: Spec = {
  id: 'latent',
  type: 'latent.empty',
  params: { width: 128, height: 128, batch_size: 1 },
  at: [2, 2],
};
const sampler: Spec = { id: 'sampler', type: 'sampling.sampler', params: SAMPLER, at: [3, 1] };
const decode: Spec = { id: 'decode', type: 'latent.vae_decode', at: [4, 1] };
const save = (prefix: string, id = 'save'): Spec => ({
  id,
  type: 'image.save',
  params: { filename_prefix: prefix },
  at: [5, 1],
});
const image = (id: string, source: string, row: number): Spec => ({
  id,
  type: 'image.load',
  params: { image: source },
  at: [0, row],
});
const encode: Spec = { id: 'encode', type: 'conditioning.mllm_encode', params: { negative: '' }, at: [2, 0] };
const align: Spec = { id: 'align', type: 'conditioning.align', at: [2.5, 1] };

/** pack -> latent/sampler/decode -> save wiring shared by every example. */
const samplingWires = (conditioning: string, unet = 'pack.unet'): [string, string][] => [
  ['pack.vae', 'latent.vae'],
  [unet, 'sampler.unet'],
  [`${conditioning}.positive`, 'sampler.positive'],
  [`${conditioning}.negative`, 'sampler.negative'],
  ['latent.latent', 'sampler.latent'],
  ['pack.vae', 'decode.vae'],
  ['sampler.latent', 'decode.latent'],
  ['decode.image', 'save.image'],
];
const kosmosWires: [string, string][] = [
  ['pack.mllm', 'encode.mllm'],
  ['prompt.prompt', 'encode.prompt'],
  ['pack.aligner', 'align.aligner'],
  ['encode.hidden', 'align.hidden'],
];
const interleaved = (text: string, at: [number, number] = [1, 1]): Spec => ({
  id: 'prompt',
  type: 'prompt.interleaved',
  params: { text },
  at,
});

const examples: Record<string, GraphDocument> = {
  'text-to-image': graph(
    'Text to image (SD1.5 CLIP baseline)',
    'A text prompt through the CLIP text encoder, the Stable Diffusion 1.5 path.',
    [
      pack,
      {
        id: 'prompt',
        type: 'conditioning.clip_text_encode',
        params: { text: 'a blue square and a yellow triangle', negative: '' },
        at: [1, 1],
      },
      latent,
      sampler,
      decode,
      save('text-to-image'),
    ],
    [['pack.clip', 'prompt.clip'], ...samplingWires('prompt')],
  ),
  'subject-driven': graph(
    'Subject-driven generation (Kosmos-G)',
    'The entity of image1 re-drawn in a new context: "<i> on a black background".',
    [
      pack,
      image('image1', images.blueSquare, 1),
      interleaved('<i> on a black background'),
      encode,
      align,
      latent,
      sampler,
      decode,
      save('subject-driven'),
    ],
    [['image1.image', 'prompt.image1'], ...kosmosWires, ...samplingWires('align')],
  ),
  'multi-entity': graph(
    'Two subjects (Kosmos-G)',
    'The entities of two images side by side: "<i> and <i>".',
    [
      pack,
      image('image1', images.blueSquare, 1),
      image('image2', images.yellowTriangle, 2),
      interleaved('<i> and <i>'),
      encode,
      align,
      latent,
      sampler,
      decode,
      save('multi-entity'),
    ],
    [
      ['image1.image', 'prompt.image1'],
      ['image2.image', 'prompt.image2'],
      ...kosmosWires,
      ...samplingWires('align'),
    ],
  ),
  style: graph(
    'Subject in the style of another image (Kosmos-G)',
    'The entity of image1 with the background of image2: "<i> in the style of <i>".',
    [
      pack,
      image('image1', images.blueSquare, 1),
      image('image2', images.greenCircleOnBlack, 2),
      interleaved('<i> in the style of <i>'),
      encode,
      align,
      latent,
      sampler,
      decode,
      save('style'),
    ],
    [
      ['image1.image', 'prompt.image1'],
      ['image2.image', 'prompt.image2'],
      ...kosmosWires,
      ...samplingWires('align'),
    ],
  ),
  'controlnet-canny': graph(
    'ControlNet canny with Kosmos-G conditioning',
    'Shapes and positions follow the control image outlines, colours follow the prompt.',
    [
      pack,
      image('control_image', images.circleAndSquare, 2),
      { id: 'canny', type: 'image.canny', params: { low_threshold: 100, high_threshold: 200 }, at: [1, 2] },
      { id: 'controlnet_model', type: 'models.controlnet', params: { name: 'canny' }, at: [1, 3] },
      interleaved('a red triangle and a yellow triangle', [1, 0.5]),
      encode,
      align,
      {
        id: 'controlnet',
        type: 'conditioning.apply_controlnet',
        params: { strength: 1, start: 0, end: 1 },
        at: [2.5, 2],
      },
      latent,
      sampler,
      decode,
      save('controlnet-canny'),
    ],
    [
      ['control_image.image', 'canny.image'],
      ['pack.pack', 'controlnet_model.pack'],
      ...kosmosWires,
      ['align.positive', 'controlnet.positive'],
      ['align.negative', 'controlnet.negative'],
      ['controlnet_model.controlnet', 'controlnet.controlnet'],
      ['canny.image', 'controlnet.image'],
      ...samplingWires('controlnet'),
    ],
  ),
  lora: graph(
    'LoRA (pastel) with Kosmos-G conditioning',
    'The pastel LoRA merged into the U-Net: at strength s every colour moves s/2 of the way to white.',
    [
      pack,
      { id: 'lora_model', type: 'models.lora', params: { name: 'pastel' }, at: [1, 2] },
      { id: 'lora', type: 'models.apply_lora', params: { strength: 1 }, at: [2, 2] },
      interleaved('a red circle on a black background'),
      encode,
      align,
      { ...latent, at: [2, 3] },
      sampler,
      decode,
      save('lora'),
    ],
    [
      ['pack.pack', 'lora_model.pack'],
      ['pack.unet', 'lora.unet'],
      ['lora_model.lora', 'lora.lora'],
      ...kosmosWires,
      ...samplingWires('align', 'lora.unet'),
    ],
  ),
  compare: graph(
    'SD1.5 CLIP vs Kosmos-G on one prompt (paper Figure 6)',
    'The same prompt and seed through the CLIP text encoder and through the MLLM + AlignerNet.',
    [
      pack,
      {
        id: 'prompt_sd',
        type: 'conditioning.clip_text_encode',
        params: { text: 'a green circle on a gray background', negative: '' },
        at: [1, 0],
      },
      interleaved('a green circle on a gray background', [1, 2]),
      { ...encode, at: [2, 2] },
      { ...align, at: [2.5, 2] },
      latent,
      { id: 'sampler_sd', type: 'sampling.sampler', params: SAMPLER, at: [3, 0] },
      { id: 'sampler_kosmos', type: 'sampling.sampler', params: SAMPLER, at: [3, 2] },
      { id: 'decode_sd', type: 'latent.vae_decode', at: [4, 0] },
      { id: 'decode_kosmos', type: 'latent.vae_decode', at: [4, 2] },
      save('compare-sd', 'save_sd'),
      { ...save('compare-kosmos', 'save_kosmos'), at: [5, 2] },
    ],
    [
      ['pack.clip', 'prompt_sd.clip'],
      ...kosmosWires,
      ['pack.vae', 'latent.vae'],
      ['pack.unet', 'sampler_sd.unet'],
      ['prompt_sd.positive', 'sampler_sd.positive'],
      ['prompt_sd.negative', 'sampler_sd.negative'],
      ['latent.latent', 'sampler_sd.latent'],
      ['pack.unet', 'sampler_kosmos.unet'],
      ['align.positive', 'sampler_kosmos.positive'],
      ['align.negative', 'sampler_kosmos.negative'],
      ['latent.latent', 'sampler_kosmos.latent'],
      ['pack.vae', 'decode_sd.vae'],
      ['sampler_sd.latent', 'decode_sd.latent'],
      ['pack.vae', 'decode_kosmos.vae'],
      ['sampler_kosmos.latent', 'decode_kosmos.latent'],
      ['decode_sd.image', 'save_sd.image'],
      ['decode_kosmos.image', 'save_kosmos.image'],
    ],
  ),
};

for (const [name, doc] of Object.entries(examples)) {
  writeFileSync(join(DIR, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
}
console.log(`wrote ${Object.keys(examples).length} examples to ${DIR}`);
