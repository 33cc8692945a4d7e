import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph } from '../../test/fixtures/arithmetic-registry';
import { validationErrorOf } from '../../test/fixtures/validation-error';
import { loadGraphDocument, loadGraphText } from './load-document';
import { validateGraph } from './validate';

const lookup = arithmeticRegistry().lookup;

describe('loadGraphDocument', () => {
  it('loads a current document unchanged, with no warnings', () => {
    const graph = diamondGraph();
    const loaded = loadGraphDocument(structuredClone(graph), lookup);
    expect(loaded.graph).toEqual(graph);
    expect(loaded.warnings).toEqual([]);
  });

  it('migrates the hand-written version 0 fixture: envelope and node versions', () => {
    const text = readFileSync(new URL('../../test/fixtures/graphs/v0-draft.json', import.meta.url), 'utf8');
    const { graph, warnings } = loadGraphText(text, lookup, 'v0-draft.json');
    expect(graph.version).toBe(1);
    expect(graph.meta?.name).toBe('draft from before version 1');
    expect(graph.layout?.nodes).toEqual({
      a: { x: 10, y: 20 },
      add: { x: 200, y: 20 },
      out: { x: 400, y: 20 },
    });
    expect(graph.edges).toContainEqual({
      from: { node: 'a', port: 'value' },
      to: { node: 'add', port: 'a' },
    });
    // test.constant v1 called its param `v`; v2 calls it `value`.
    expect(graph.nodes.find((n) => n.id === 'a')).toEqual({
      id: 'a',
      type: 'test.constant',
      typeVersion: 2,
      params: { value: 3 },
    });
    // The unknown node keeps its data untouched.
    expect(graph.nodes.find((n) => n.id === 'mystery')).toEqual({
      id: 'mystery',
      type: 'vendor.unknown_node',
      typeVersion: 1,
      params: { keep: [1, 2, { x: 'y' }] },
    });
    expect(warnings).toEqual(
      expect.arrayContaining([
        'migrated the graph from format version 0 to 1',
        'node "a": upgraded Constant from version 1 to 2',
        'node "mystery": unknown type "vendor.unknown_node", kept as a placeholder',
      ]),
    );
    const issues = validateGraph(graph, lookup);
    expect(issues).toEqual([expect.objectContaining({ code: 'unknown_node_type', nodeId: 'mystery' })]);
  });

  it('says plainly when a graph comes from a newer kosmograph', () => {
    const error = validationErrorOf(() =>
      loadGraphDocument({ ...diamondGraph(), version: 7 }, lookup, 'future.json'),
    );
    expect(error.message).toMatch(/future\.json: .*newer kosmograph.*version 7.*update kosmograph/);
  });

  it('names the file for text that is not JSON, or JSON that is not a graph', () => {
    expect(validationErrorOf(() => loadGraphText('{"nodes": [', lookup, 'broken.json')).message).toMatch(
      /^broken\.json: not valid JSON/,
    );
    expect(validationErrorOf(() => loadGraphText('[1,2]', lookup, 'list.json')).message).toMatch(
      /^list\.json: not a kosmograph graph/,
    );
    expect(validationErrorOf(() => loadGraphText('{"format":"comfy"}', lookup, 'x.json')).message).toMatch(
      /not a kosmograph graph/,
    );
    const missingEdges = validationErrorOf(() =>
      loadGraphDocument({ format: 'kosmograph.graph', version: 1, nodes: [] }, lookup),
    );
    expect(missingEdges.issues[0]).toMatchObject({ code: 'invalid_document' });
    expect(missingEdges.message).toMatch(/edges/);
  });

  it('reports a node migration that does not exist', () => {
    const graph = diamondGraph();
    graph.nodes.push({ id: 'old', type: 'test.add', typeVersion: 1, params: {} });
    const registry = arithmeticRegistry();
    const lookupNewer = (type: string) => {
      const spec = registry.lookup(type);
      return spec && type === 'test.add' ? { ...spec, typeVersion: 3 } : spec;
    };
    const error = validationErrorOf(() => loadGraphDocument(graph, lookupNewer));
    expect(error.issues[0]).toMatchObject({ code: 'unsupported_node_version', nodeId: 'add' });
  });
});
