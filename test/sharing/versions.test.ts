import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { GRAPH_VERSION, type GraphDocument } from '../../src/core/document';
import { loadGraphDocument, loadGraphText } from '../../src/core/load-document';
import type { NodeSpec, NodeSpecLookup } from '../../src/core/node-spec';
import { validateGraph } from '../../src/core/validate';
import { arithmeticRegistry } from '../fixtures/arithmetic-registry';
import { validationErrorOf } from '../fixtures/validation-error';
import { exampleRunner, loadExample, withParams } from '../integration/run-example';

const registry = createNodeRegistry();
const { lookup } = registry;
const arithmetic = arithmeticRegistry().lookup;
/** The shipped nodes plus the arithmetic test nodes the oldest fixture uses. */
const fixtureLookup: NodeSpecLookup = (type) => lookup(type) ?? arithmetic(type);
const FIXTURES = 'test/fixtures/graphs';
const readFixture = (name: string) => readFileSync(`${FIXTURES}/${name}`, 'utf8');

/** Saving is writing the document as JSON, two-space indented, as the CLI and the editor do. */
const save = (graph: GraphDocument) => `${JSON.stringify(graph, null, 2)}\n`;

describe('frozen fixtures from every format version', () => {
  const files = readdirSync(FIXTURES).filter((f) => /^v\d+-.*\.json$/.test(f));
  const versions = new Set(files.map((f) => Number(/^v(\d+)-/.exec(f)![1])));

  it('there is at least one fixture for every version up to the current one', () => {
    for (let v = 0; v <= GRAPH_VERSION; v++)
      expect(versions.has(v), `no fixture for version ${v}`).toBe(true);
  });

  it.each(files)('%s loads as a current graph', (file) => {
    const { graph, warnings } = loadGraphText(readFixture(file), fixtureLookup, file);
    expect(graph.version).toBe(GRAPH_VERSION);
    const from = Number(/^v(\d+)-/.exec(file)![1]);
    for (let v = from; v < GRAPH_VERSION; v++) {
      expect(warnings).toContain(`migrated the graph from format version ${v} to ${v + 1}`);
    }
    // Only unknown node types keep a migrated graph from validating.
    const codes = validateGraph(graph, fixtureLookup).map((i) => i.code);
    expect(codes.every((c) => c === 'unknown_node_type')).toBe(true);
  });

  it('the version 0 draft of text-to-image becomes the version 1 example', () => {
    const { graph } = loadGraphText(readFixture('v0-text-to-image.json'), lookup, 'v0');
    const example = loadExample('text-to-image');
    expect(graph.nodes).toEqual(example.nodes);
    expect(graph.edges).toEqual(example.edges);
    expect(graph.layout?.nodes).toEqual(example.layout?.nodes);
    expect(graph.meta?.name).toBe(example.meta?.name);
  });

  it('the current version fixture is written back unchanged (same keys, order and values)', () => {
    const text = readFixture(`v${GRAPH_VERSION}-lora-with-placeholder.json`);
    const { graph } = loadGraphText(text, lookup, 'v1');
    expect(save(graph)).toBe(save(JSON.parse(text) as GraphDocument));
  });
});

describe('a graph from a newer kosmograph', () => {
  const current = JSON.parse(readFixture(`v${GRAPH_VERSION}-lora-with-placeholder.json`)) as GraphDocument;

  it('is refused plainly, never loaded half-way', () => {
    const error = validationErrorOf(() =>
      loadGraphDocument({ ...current, version: GRAPH_VERSION + 1 }, lookup, 'future.json'),
    );
    expect(error.message).toBe(
      `future.json: this graph was made by a newer kosmograph (format version ${GRAPH_VERSION + 1}; this one reads up to ${GRAPH_VERSION}); update kosmograph to open it`,
    );
  });

  it('a node from a newer version of its type opens but does not run, and says why', () => {
    const graph = loadExample('text-to-image');
    const newer = {
      ...graph,
      nodes: graph.nodes.map((n) => (n.id === 'sampler' ? { ...n, typeVersion: 9 } : n)),
    };
    const { graph: loaded } = loadGraphDocument(newer, lookup);
    expect(loaded.nodes.find((n) => n.id === 'sampler')?.typeVersion).toBe(9);
    expect(validateGraph(loaded, lookup)).toContainEqual(
      expect.objectContaining({
        code: 'unsupported_node_version',
        nodeId: 'sampler',
        message: 'Sampler version 9 is newer than this kosmograph (1); update kosmograph',
      }),
    );
  });

  it('a ComfyUI file given to the loader points at the importer', () => {
    const comfy = readFileSync('test/fixtures/comfy/api-text-to-image.json', 'utf8');
    expect(validationErrorOf(() => loadGraphText(comfy, lookup, 'c.json')).message).toMatch(
      /^c\.json: not a kosmograph graph .*it looks like a ComfyUI workflow; convert it with `kosmograph import-comfy`/,
    );
  });
});

describe("a node's params change in a later version", () => {
  // A later kosmograph renames the sampler's `cfg` to `guidance` and adds `rescale`:
  // Sampler version 2, with a migration from version 1.
  const samplerV1 = lookup('sampling.sampler')!;
  const samplerV2: NodeSpec = {
    ...samplerV1,
    typeVersion: 2,
    params: [
      ...samplerV1.params.map((p) => (p.name === 'cfg' ? { ...p, name: 'guidance' } : p)),
      { kind: 'float', name: 'rescale', default: 0, min: 0, max: 1 },
    ],
    migrations: {
      1: ({ cfg, ...rest }) => ({ ...rest, ...(cfg !== undefined ? { guidance: cfg } : {}), rescale: 0 }),
    },
  };
  const laterLookup: NodeSpecLookup = (type) => (type === 'sampling.sampler' ? samplerV2 : lookup(type));

  it('a graph saved today opens in the later version with its params migrated', () => {
    const today = readFileSync('public/examples/text-to-image.json', 'utf8');
    const { graph, warnings } = loadGraphText(today, laterLookup, 'text-to-image.json');
    expect(graph.nodes.find((n) => n.id === 'sampler')).toEqual({
      id: 'sampler',
      type: 'sampling.sampler',
      typeVersion: 2,
      params: {
        seed: 7,
        steps: 20,
        sampler: 'dpmpp_2m',
        scheduler: 'karras',
        denoise: 1,
        guidance: 7.5,
        rescale: 0,
      },
    });
    expect(warnings).toEqual(['node "sampler": upgraded Sampler from version 1 to 2']);
    expect(validateGraph(graph, laterLookup)).toEqual([]);
    // The other nodes are untouched.
    const original = JSON.parse(today) as GraphDocument;
    expect(graph.nodes.filter((n) => n.id !== 'sampler')).toEqual(
      original.nodes.filter((n) => n.id !== 'sampler'),
    );
  });

  it('a migrated graph loads again without further changes', () => {
    const today = readFileSync('public/examples/text-to-image.json', 'utf8');
    const once = loadGraphText(today, laterLookup).graph;
    const twice = loadGraphText(save(once), laterLookup);
    expect(twice.warnings).toEqual([]);
    expect(save(twice.graph)).toBe(save(once));
  });
});

describe('placeholders keep their data', () => {
  const unknownNode = {
    id: 'upscale',
    type: 'vendor.upscale',
    typeVersion: 3,
    title: 'Upscale',
    params: { z_last: 1, a_first: [{ deep: null, n: 1.5e-7 }], unicode: 'é ✓ 🟢', empty: {} },
  };

  function graphWithUnknown(): GraphDocument {
    const graph = loadExample('canny');
    return {
      ...graph,
      nodes: [...graph.nodes, unknownNode],
      edges: [
        ...graph.edges,
        { from: { node: 'canny', port: 'image' }, to: { node: 'upscale', port: 'image' } },
        { from: { node: 'upscale', port: 'upscaled' }, to: { node: 'preview', port: 'image' } },
      ].filter((e) => !(e.to.node === 'preview' && e.from.node === 'canny')),
      layout: { nodes: { ...graph.layout?.nodes, upscale: { x: 5, y: 6 } } },
    };
  }

  it('an unknown node in is the same node out, byte for byte, with its edges and layout', () => {
    const input = save(graphWithUnknown());
    const loaded = loadGraphText(input, lookup, 'g.json');
    expect(loaded.warnings).toEqual(['node "upscale": unknown type "vendor.upscale", kept as a placeholder']);
    const output = save(loaded.graph);
    expect(output).toBe(input);
    const out = JSON.parse(output) as GraphDocument;
    expect(JSON.stringify(out.nodes.find((n) => n.id === 'upscale'))).toBe(JSON.stringify(unknownNode));
    expect(validateGraph(loaded.graph, lookup)).toEqual([
      expect.objectContaining({ code: 'unknown_node_type', nodeId: 'upscale' }),
    ]);
  });

  it('saving is stable even for a hand-written node with its keys in another order', () => {
    const graph = graphWithUnknown();
    const shuffled = {
      ...graph,
      nodes: graph.nodes.map((n) =>
        n.id === 'upscale'
          ? { params: n.params, title: n.title, typeVersion: n.typeVersion, type: n.type, id: n.id }
          : n,
      ),
    };
    const once = save(loadGraphText(JSON.stringify(shuffled), lookup).graph);
    const twice = save(loadGraphText(once, lookup).graph);
    expect(twice).toBe(once);
    expect(JSON.parse(once)).toEqual(JSON.parse(save(graph)));
  });

  it('a missing model loads with the graph and fails at run time naming the node', async () => {
    const graph = withParams(loadExample('lora'), { 'lora_model.name': 'watercolor' });
    const loaded = loadGraphDocument(JSON.parse(save(graph)), lookup);
    expect(loaded.graph).toEqual(graph);
    expect(validateGraph(loaded.graph, lookup)).toEqual([]);
    const { run } = await exampleRunner('cpu');
    const result = await run(loaded.graph);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ nodeId: 'lora_model' });
    expect(result.error?.message).toMatch(/no LoRA "watercolor" \(it has: pastel\)/);
  });
});
