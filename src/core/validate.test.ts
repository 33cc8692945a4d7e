import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph, edge, node } from '../../test/fixtures/arithmetic-registry';
import { canConnect } from './can-connect';
import type { GraphDocument } from './document';
import { validateGraph } from './validate';
import { formatIssue } from './validation-error';

const lookup = arithmeticRegistry().lookup;
const codes = (graph: GraphDocument) =>
  validateGraph(graph, lookup).map((i) => [i.code, i.nodeId, i.port ?? i.param]);

describe('validateGraph', () => {
  it('accepts a valid graph', () => {
    expect(validateGraph(diamondGraph(), lookup)).toEqual([]);
  });

  it('reports an unknown node type', () => {
    const g = diamondGraph();
    g.nodes.push(node('x', 'nope'));
    expect(codes(g)).toEqual([['unknown_node_type', 'x', undefined]]);
  });

  it('reports a missing required input of a node that feeds an output', () => {
    const g = diamondGraph();
    g.edges = g.edges.filter((e) => !(e.to.node === 'add2' && e.to.port === 'b'));
    expect(codes(g)).toEqual([['missing_input', 'add2', 'b']]);
  });

  it('does not require optional inputs', () => {
    const g = diamondGraph();
    expect(validateGraph(g, lookup).some((i) => i.port === 'c')).toBe(false);
  });

  it('reports a type mismatch', () => {
    const g = diamondGraph();
    g.nodes.push(node('t', 'text'));
    g.edges = g.edges.filter((e) => !(e.to.node === 'add2' && e.to.port === 'b'));
    g.edges.push(edge('t', 'text', 'add2', 'b'));
    const issues = validateGraph(g, lookup);
    expect(issues).toEqual([expect.objectContaining({ code: 'type_mismatch', nodeId: 'add2', port: 'b' })]);
    expect(issues[0]?.message).toMatch(/TEXT.*LATENT/);
  });

  it('reports a cycle', () => {
    const g = diamondGraph();
    g.edges.push(edge('add2', 'sum', 'add', 'c'));
    expect(codes(g)).toContainEqual(['cycle', expect.any(String), undefined]);
  });

  it('reports two edges into one input, naming the second', () => {
    const g = diamondGraph();
    g.edges.push(edge('c', 'value', 'add', 'a'));
    expect(codes(g)).toEqual([['duplicate_input_edge', 'add', 'a']]);
  });

  it('reports dangling edges and unknown ports', () => {
    const g = diamondGraph();
    g.edges.push(edge('ghost', 'value', 'add', 'c'));
    g.edges.push(edge('a', 'nonexistent', 'add2', 'c'));
    expect(codes(g)).toEqual([
      ['dangling_edge', 'add', 'c'],
      ['unknown_port', 'add2', 'c'],
    ]);
  });

  it('reports params out of range, not in enum, of the wrong type, and unknown', () => {
    const g = diamondGraph();
    g.nodes[0]!.params.value = 5000;
    g.nodes[1]!.params.value = 'two';
    g.nodes[3]!.params.mode = 'triple';
    g.nodes[4]!.params.colour = 'red';
    expect(codes(g)).toEqual([
      ['param_out_of_range', 'a', 'value'],
      ['param_wrong_type', 'b', 'value'],
      ['param_not_in_enum', 'add', 'mode'],
      ['unknown_param', 'add2', 'colour'],
    ]);
    expect(formatIssue(validateGraph(g, lookup)[0]!)).toBe(
      'node "a" param "value": must be at most 1000 (got 5000)',
    );
  });

  it('reports a graph without an output node', () => {
    const g = diamondGraph();
    g.nodes = g.nodes.filter((n) => n.type !== 'test.sink');
    g.edges = g.edges.filter((e) => !e.to.node.startsWith('sink'));
    expect(codes(g)).toEqual([['no_output_node', undefined, undefined]]);
  });

  it('reports duplicate node ids', () => {
    const g = diamondGraph();
    g.nodes.push(node('a', 'constant'));
    expect(codes(g)).toContainEqual(['duplicate_node_id', 'a', undefined]);
  });
});

describe('canConnect', () => {
  const g = diamondGraph();
  it('allows compatible free inputs', () => {
    expect(canConnect(g, { node: 'c', port: 'value' }, { node: 'add', port: 'c' }, lookup)).toEqual({
      ok: true,
    });
  });
  it('refuses incompatible types with a reason', () => {
    const withText = { ...g, nodes: [...g.nodes, node('t', 'text')] };
    const verdict = canConnect(withText, { node: 't', port: 'text' }, { node: 'add', port: 'c' }, lookup);
    expect(verdict).toMatchObject({ ok: false, code: 'type_mismatch' });
  });
  it('refuses a second edge into an input', () => {
    const verdict = canConnect(g, { node: 'c', port: 'value' }, { node: 'add', port: 'a' }, lookup);
    expect(verdict).toMatchObject({ ok: false, code: 'duplicate_input_edge' });
  });
  it('refuses cycles, including a self loop', () => {
    expect(canConnect(g, { node: 'add2', port: 'sum' }, { node: 'add', port: 'c' }, lookup)).toMatchObject({
      ok: false,
      code: 'cycle',
    });
    expect(canConnect(g, { node: 'add', port: 'sum' }, { node: 'add', port: 'c' }, lookup)).toMatchObject({
      ok: false,
      code: 'cycle',
    });
  });
});
