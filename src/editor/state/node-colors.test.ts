import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph } from '../../../test/fixtures/arithmetic-registry';
import { loadGraphDocument } from '../../core/load-document';
import { NODE_COLORS, setNodeColor } from './node-colors';

describe('node colours', () => {
  it('sets and clears a colour in the layout; the document stays loadable', () => {
    const g = diamondGraph();
    g.layout = { nodes: { add: { x: 1, y: 2 } } };
    const red = setNodeColor(g, 'add', NODE_COLORS[0]!.value);
    expect(red.layout?.nodes.add).toEqual({ x: 1, y: 2, color: '#b33a3a' });
    expect(loadGraphDocument(red, arithmeticRegistry().lookup).graph).toEqual(red);
    expect(setNodeColor(red, 'add', undefined).layout?.nodes.add).toEqual({ x: 1, y: 2 });
    expect(setNodeColor(g, 'ghost', '#b33a3a')).toBe(g);
  });

  it('refuses a colour that is not #rrggbb when a graph loads, naming the field', () => {
    const g = diamondGraph();
    g.layout = { nodes: { add: { x: 1, y: 2, color: 'red;background:url(x)' } } };
    expect(() => loadGraphDocument(g, arithmeticRegistry().lookup)).toThrow(/layout\.nodes\.add\.color/);
  });
});
