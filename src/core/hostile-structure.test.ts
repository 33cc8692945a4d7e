/**
 * Regression tests for issue 14's structural findings: JSON nested 10k deep (graph file, share
 * link, PNG-embedded graph, ComfyUI file), ComfyUI chains of 20k nodes, a 200-character
 * class_type, names that are Object.prototype keys, repeated edges, `<i>` markers without images,
 * and params whose work explodes. Every case is built in memory.
 */
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { namedComponent } from '../../nodes/models/pack-input';
import { encodePng } from '../runtime/image/codec';
import type { PackHandle } from '../runtime/models/pack-handle';
import { importComfy, REFERENCE_PACK_IMPORT } from './comfy/index';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from './document';
import { readGraphFromPng } from './graph-png';
import { createRasterImage } from './image';
import { LIMIT_DEFAULTS } from './limits';
import { loadGraphDocument, loadGraphText } from './load-document';
import { decodeShareLink, encodeBase64Url } from './share-link';
import { validateGraph } from './validate';
import { GraphValidationError } from './validation-error';

const registry = createNodeRegistry();
const lookup = registry.lookup;

/** `{"a":[[[...]]]}` nested `depth` arrays deep, as text (building it as a value needs no recursion). */
function deepJson(depth: number, wrap: (inner: string) => string): string {
  return wrap(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}

function graphValidationError(run: () => unknown): GraphValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphValidationError);
    return error as GraphValidationError;
  }
  throw new Error('expected a GraphValidationError');
}

const deepGraphText = deepJson(
  10_000,
  (inner) =>
    `{"format":"${GRAPH_FORMAT}","version":${GRAPH_VERSION},"nodes":[{"id":"a","type":"x","typeVersion":1,"params":{"p":${inner}}}],"edges":[]}`,
);

describe('JSON nested 10k deep gives a clear error, never a stack overflow', () => {
  it('in a graph file', () => {
    const error = graphValidationError(() => loadGraphText(deepGraphText, lookup, 'deep.json'));
    expect(error.lines()).toEqual([
      expect.stringMatching(/^deep\.json: the graph's JSON is nested more than 64 levels deep/),
    ]);
  });

  it('in a share link', () => {
    const data = encodeBase64Url(zlibSync(new TextEncoder().encode(deepGraphText)));
    const error = graphValidationError(() => decodeShareLink(`https://x/#graph=${data}`, lookup));
    expect(error.message).toMatch(/nested more than 64 levels deep/);
  });

  it('in a PNG-embedded graph', () => {
    const png = encodePng(createRasterImage(1, 1), [
      { keyword: 'kosmograph', text: `{"kosmograph":1,"graph":${deepGraphText}}`, compressed: true },
    ]);
    const error = graphValidationError(() => readGraphFromPng(png, lookup, 'deep.png'));
    expect(error.message).toMatch(/^deep\.png: .*nested more than 64 levels deep/);
  });

  it('in a ComfyUI file (API and UI format)', () => {
    const api = deepJson(10_000, (inner) => `{"1":{"class_type":"KSampler","inputs":{"seed":${inner}}}}`);
    const ui = deepJson(
      10_000,
      (inner) => `{"nodes":[{"id":1,"type":"X","widgets_values":${inner}}],"links":[]}`,
    );
    for (const text of [api, ui]) {
      const error = graphValidationError(() => importComfy(text, REFERENCE_PACK_IMPORT, lookup, 'deep.json'));
      expect(error.message).toMatch(/nested more than 64 levels deep/);
    }
  });

  it('a graph within the depth limit still loads', () => {
    const text = deepJson(
      50,
      (inner) =>
        `{"format":"${GRAPH_FORMAT}","version":${GRAPH_VERSION},"nodes":[{"id":"a","type":"x","typeVersion":1,"params":{"p":${inner}}}],"edges":[]}`,
    );
    expect(loadGraphText(text, lookup).graph.nodes).toHaveLength(1);
  });
});

describe('ComfyUI import of hostile workflows', () => {
  const n = 20_000;

  it('follows a chain of 20k reroutes (UI format) without recursion', () => {
    const nodes: unknown[] = [{ id: 0, type: 'CheckpointLoaderSimple', widgets_values: ['a'] }];
    const links: unknown[] = [];
    for (let i = 1; i < n; i++) {
      nodes.push({ id: i, type: 'Reroute', inputs: [{ name: '', link: i }] });
      links.push([i, i - 1, 0, i, 0, 'MODEL']);
    }
    nodes.push({
      id: n,
      type: 'KSampler',
      inputs: [{ name: 'model', link: n }],
      widgets_values: [1, 'fixed', 20, 7, 'euler', 'normal', 1],
    });
    links.push([n, n - 1, 0, n, 0, 'MODEL']);
    const { graph } = importComfy(JSON.stringify({ nodes, links }), REFERENCE_PACK_IMPORT, lookup);
    const sampler = graph.nodes.find((node) => node.type === 'sampling.sampler')!;
    expect(graph.edges).toContainEqual({
      from: { node: 'pack_0', port: 'unet' },
      to: { node: sampler.id, port: 'unet' },
    });
  });

  it('converts chains of 20k ControlNetApply and of 20k pack LoRAs (API format)', () => {
    const cn: Record<string, unknown> = {
      c: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a' } },
      t: { class_type: 'CLIPTextEncode', inputs: { text: 'a', clip: ['c', 1] } },
      l: { class_type: 'ControlNetLoader', inputs: { control_net_name: 'canny' } },
      im: { class_type: 'LoadImage', inputs: { image: 'a.png' } },
      '0': {
        class_type: 'ControlNetApply',
        inputs: { conditioning: ['t', 0], control_net: ['l', 0], image: ['im', 0], strength: 1 },
      },
    };
    for (let i = 1; i < n; i++) {
      cn[String(i)] = {
        class_type: 'ControlNetApply',
        inputs: { conditioning: [String(i - 1), 0], control_net: ['l', 0], image: ['im', 0], strength: 1 },
      };
    }
    expect(importComfy(JSON.stringify(cn), REFERENCE_PACK_IMPORT, lookup).graph.nodes.length).toBe(n + 4);

    const lora: Record<string, unknown> = {
      '0': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a' } },
    };
    for (let i = 1; i < n; i++) {
      lora[String(i)] = {
        class_type: 'LoraLoader',
        inputs: {
          model: [String(i - 1), 0],
          clip: [String(i - 1), 1],
          lora_name: 'pastel',
          strength_model: 1,
          strength_clip: 0,
        },
      };
    }
    // The CLIP at the end of the chain comes from the checkpoint (pack LoRAs pass it through).
    lora.t = { class_type: 'CLIPTextEncode', inputs: { text: 'a', clip: [String(n - 1), 1] } };
    const { graph } = importComfy(JSON.stringify(lora), REFERENCE_PACK_IMPORT, lookup);
    expect(graph.edges).toContainEqual({
      from: { node: 'pack_0', port: 'clip' },
      to: { node: 'encode_t', port: 'clip' },
    });
  });

  it('keeps a 200-character class_type as a placeholder with a valid type, saying so', () => {
    const classType = `K${'x'.repeat(199)}`;
    for (const text of [
      JSON.stringify({
        '1': { class_type: classType, inputs: { ['p'.repeat(300)]: ['2', 0] } },
        '2': { class_type: 'Y', inputs: {} },
      }),
      JSON.stringify({ nodes: [{ id: 1, type: classType }], links: [] }),
    ]) {
      const { graph, report } = importComfy(text, REFERENCE_PACK_IMPORT, lookup);
      const node = graph.nodes.find((x) => x.title === classType)!;
      expect(node.type).toHaveLength(128);
      expect(report.warnings.join('\n')).toMatch(/class name is cut to 128 characters/);
    }
  });

  it('treats Object.prototype names as plain names', () => {
    // As text: a `__proto__` key in an object literal would set its prototype instead.
    const text =
      '{"1":{"class_type":"constructor","inputs":{"toString":1,"__proto__":2}},"2":{"class_type":"__proto__","inputs":{}},' +
      '"__proto__":{"class_type":"hasOwnProperty","inputs":{"x":["1",0]}}}';
    const { graph, report } = importComfy(text, REFERENCE_PACK_IMPORT, lookup);
    expect(report.placeholders.map((p) => p.classType).sort()).toEqual([
      '__proto__',
      'constructor',
      'hasOwnProperty',
    ]);
    expect(graph.nodes.find((x) => x.type === 'comfy.constructor')!.params).toEqual({ toString: 1 });
    expect(graph.edges).toContainEqual({
      from: { node: 'comfy_1', port: 'output_0' },
      to: { node: 'comfy___proto__', port: 'x' },
    });
    expect(report.warnings.join('\n')).toMatch(/its input "__proto__" cannot be kept as a param; dropped/);
  });
});

function graphOf(nodes: GraphDocument['nodes'], edges: GraphDocument['edges']): GraphDocument {
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, nodes, edges };
}

describe('validation closes its gaps', () => {
  const save = { id: 'save', type: 'image.save', typeVersion: 1, params: {} };
  const load = { id: 'img', type: 'image.load', typeVersion: 1, params: {} };
  const prompt = (text: string) => ({
    id: 'p',
    type: 'prompt.interleaved',
    typeVersion: 1,
    params: { text },
  });
  const wire = (from: string, fromPort: string, to: string, toPort: string) => ({
    from: { node: from, port: fromPort },
    to: { node: to, port: toPort },
  });

  it('refuses an exact duplicate edge', () => {
    const edge = wire('img', 'image', 'save', 'image');
    const issues = validateGraph(graphOf([load, save], [edge, edge]), lookup);
    expect(issues).toEqual([
      {
        code: 'duplicate_edge',
        nodeId: 'save',
        port: 'image',
        message: 'the edge "img.image" -> "save.image" is listed twice',
      },
    ]);
  });

  it('checks <i> markers against the connected images before the run', () => {
    const lone = validateGraph(graphOf([prompt('<i> on black'), save], []), lookup);
    expect(lone.filter((i) => i.code === 'node_rule')).toEqual([
      expect.objectContaining({
        nodeId: 'p',
        param: 'text',
        message: expect.stringMatching(/1 <i> marker\(s\) but 0 image/),
      }),
    ]);
    const wired = validateGraph(
      graphOf([load, prompt('<i> on black'), save], [wire('img', 'image', 'p', 'image1')]),
      lookup,
    );
    expect(wired.filter((i) => i.code === 'node_rule')).toEqual([]);
    const outOfOrder = validateGraph(
      graphOf([load, prompt('<i> on black'), save], [wire('img', 'image', 'p', 'image2')]),
      lookup,
    );
    expect(outOfOrder.find((i) => i.code === 'node_rule')?.message).toMatch(
      /connect the images in order: image1/,
    );
  });

  it('bounds the sampler schedule (steps after denoise) and batch x size in validation', () => {
    const sampler = {
      id: 's',
      type: 'sampling.sampler',
      typeVersion: 1,
      params: { steps: 150, denoise: 1e-7 },
    };
    const issue = validateGraph(graphOf([sampler, save], []), lookup).find((i) => i.code === 'over_limit');
    expect(issue).toMatchObject({ nodeId: 's', param: 'denoise' });
    expect(issue!.message).toMatch(/1500000000 steps, more than the 10000 allowed .*--limit sampler-steps=N/);
    const fine = { ...sampler, params: { steps: 150, denoise: 0.5 } };
    expect(validateGraph(graphOf([fine, save], []), lookup).some((i) => i.code === 'over_limit')).toBe(false);
    const latent = {
      id: 'l',
      type: 'latent.empty',
      typeVersion: 1,
      params: { width: 4096, height: 4096, batch_size: 16 },
    };
    expect(
      validateGraph(graphOf([latent, save], []), lookup).find((i) => i.code === 'over_limit'),
    ).toMatchObject({
      nodeId: 'l',
      message: expect.stringMatching(/268435456 pixels, more than the 16777216 allowed/),
    });
    // The limit is a parameter: raised, the same graph passes.
    const raised = { ...LIMIT_DEFAULTS, 'batch-pixels': 2 ** 30 };
    const graph = graphOf([latent, save], []);
    expect(validateGraph(graph, lookup, undefined, raised).some((i) => i.code === 'over_limit')).toBe(false);
  });

  it('names a LoRA called "constructor" as missing, not as Object.prototype.constructor', () => {
    const pack = { models: { name: 'reference' } } as unknown as PackHandle;
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect(() => namedComponent({ pastel: 1 }, name, 'LoRA', pack)).toThrow(
        `pack reference has no LoRA "${name}" (it has: pastel)`,
      );
    }
  });

  it('refuses a `__proto__` key by name instead of dropping it silently', () => {
    const text = `{"format":"${GRAPH_FORMAT}","version":1,"nodes":[{"id":"a","type":"image.save","typeVersion":1,"params":{"__proto__":{"x":1}}}],"edges":[]}`;
    const error = graphValidationError(() => loadGraphText(text, lookup, 'proto.json'));
    expect(error.lines()).toEqual([
      'proto.json: at nodes.0.params.__proto__: "__proto__" cannot be used as a name (a param, layout or other key)',
    ]);
  });

  it('loads `__proto__` and `constructor` as plain node ids and params', () => {
    const text = JSON.stringify({
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      nodes: [{ id: 'constructor', type: 'image.save', typeVersion: 1, params: { constructor: 1 } }],
      edges: [],
    });
    const { graph } = loadGraphDocument(JSON.parse(text), lookup);
    expect(validateGraph(graph, lookup)).toEqual([
      expect.objectContaining({ code: 'unknown_param', nodeId: 'constructor', param: 'constructor' }),
      expect.objectContaining({ code: 'missing_input', nodeId: 'constructor' }),
    ]);
  });
});
