import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph, edge, node } from '../../test/fixtures/arithmetic-registry';
import type { GraphDocument, NodeMode } from './document';
import { loadGraphDocument } from './load-document';
import { activeGraph } from './node-modes';
import { validateGraph } from './validate';

const lookup = arithmeticRegistry().lookup;

/** The diamond (a=1, b=2 -> add -> sink; add, c=10 -> add2 -> sink2) with some nodes' modes set. */
function withModes(modes: Record<string, NodeMode>): GraphDocument {
  const g = diamondGraph();
  g.nodes = g.nodes.map((n) => (modes[n.id] ? { ...n, mode: modes[n.id] } : n));
  return g;
}

const wires = (g: GraphDocument) =>
  g.edges.map((e) => `${e.from.node}.${e.from.port}>${e.to.node}.${e.to.port}`);

describe('activeGraph', () => {
  it('returns a graph without modes as the very same object', () => {
    const g = diamondGraph();
    expect(activeGraph(g, lookup).graph).toBe(g);
  });

  it('passes a bypassed node first connected input of the output type through to its consumers', () => {
    const active = activeGraph(withModes({ add2: 'bypass' }), lookup);
    expect(active.graph.nodes.map((n) => n.id)).not.toContain('add2');
    expect(wires(active.graph)).toContain('add.sum>sink2.value');
    expect(wires(active.graph).some((w) => w.includes('add2'))).toBe(false);
    expect(active.cut).toEqual([]);
  });

  it('skips an unconnected first input: the next input of that type passes through', () => {
    const g = withModes({ add2: 'bypass' });
    g.edges = g.edges.filter((e) => !(e.to.node === 'add2' && e.to.port === 'a'));
    expect(wires(activeGraph(g, lookup).graph)).toContain('c.value>sink2.value');
  });

  it('passes through a chain of bypassed nodes', () => {
    const active = activeGraph(withModes({ add: 'bypass', add2: 'bypass' }), lookup);
    expect(wires(active.graph)).toEqual(
      expect.arrayContaining(['a.value>sink.value', 'a.value>sink2.value']),
    );
  });

  it('cuts the inputs a muted node fed, naming it', () => {
    const active = activeGraph(withModes({ add: 'mute' }), lookup);
    expect(active.graph.nodes.map((n) => n.id)).not.toContain('add');
    expect(active.cut).toEqual([
      { node: 'sink', port: 'value', source: 'add', sourceMode: 'mute' },
      { node: 'add2', port: 'a', source: 'add', sourceMode: 'mute' },
    ]);
  });
});

describe('validateGraph with modes', () => {
  it('accepts a graph whose bypassed node passes a value through', () => {
    expect(validateGraph(withModes({ add2: 'bypass' }), lookup)).toEqual([]);
  });

  it('reports the inputs a muted node fed as missing, naming the muted node', () => {
    const issues = validateGraph(withModes({ add: 'mute' }), lookup);
    expect(issues.map((i) => [i.code, i.nodeId, i.port])).toEqual([
      ['missing_input', 'add2', 'a'],
      ['missing_input', 'sink', 'value'],
    ]);
    expect(issues[0]?.message).toBe('required LATENT input "a" comes from muted node "add"');
  });

  it('reports a bypassed node with nothing to pass through as the cause', () => {
    // A constant has no inputs: bypassed, it feeds nothing.
    const issues = validateGraph(withModes({ c: 'bypass' }), lookup);
    expect(issues).toEqual([expect.objectContaining({ code: 'missing_input', nodeId: 'add2', port: 'b' })]);
    expect(issues[0]?.message).toMatch(/bypassed node "c", which has no connected input/);
  });

  it('does not check a muted node (its params, its type) and drops a muted output', () => {
    const g = withModes({ sink2: 'mute', add2: 'mute' });
    g.nodes.push({ ...node('ghost', 'nope'), mode: 'mute' });
    g.nodes = g.nodes.map((n) => (n.id === 'add2' ? { ...n, params: { mode: 'bogus' } } : n));
    expect(validateGraph(g, lookup)).toEqual([]);
  });

  it('says when every output node is muted or bypassed', () => {
    const issues = validateGraph(withModes({ sink: 'mute', sink2: 'bypass' }), lookup);
    expect(issues).toEqual([expect.objectContaining({ code: 'no_output_node' })]);
    expect(issues[0]?.message).toBe(
      'every output node is muted or bypassed ("sink", "sink2"); un-mute one to run',
    );
  });

  it('still reports problems of the nodes that run', () => {
    const g = withModes({ add2: 'bypass' });
    g.edges.push(edge('b', 'value', 'add', 'a'));
    expect(validateGraph(g, lookup).map((i) => [i.code, i.nodeId, i.port])).toEqual([
      ['duplicate_input_edge', 'add', 'a'],
    ]);
  });
});

describe('node modes in the document', () => {
  it('loads and keeps a node mode', () => {
    const loaded = loadGraphDocument(withModes({ add: 'bypass', c: 'mute' }), lookup);
    expect(loaded.graph.nodes.find((n) => n.id === 'add')?.mode).toBe('bypass');
    expect(loaded.graph.nodes.find((n) => n.id === 'c')?.mode).toBe('mute');
  });

  it('refuses a mode it does not know, saying where', () => {
    const g = { ...diamondGraph() } as { nodes: unknown[] };
    g.nodes = [{ ...diamondGraph().nodes[0], mode: 'off' }, ...diamondGraph().nodes.slice(1)];
    expect(() => loadGraphDocument(g, lookup)).toThrow(/nodes\.0\.mode/);
  });
});
