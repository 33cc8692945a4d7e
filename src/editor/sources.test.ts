import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { emptyGraph } from '../core/document';
import { linkGraph } from './share';
import { isRelativeSource, resolveSource } from './sources';
import { addNode, setParam } from './state/graph-ops';

describe('image sources', () => {
  it('tells relative paths from URLs', () => {
    expect(isRelativeSource('images/blue-square.png')).toBe(true);
    expect(isRelativeSource('data:image/png;base64,AAAA')).toBe(false);
    expect(isRelativeSource('https://example.com/a.png')).toBe(false);
    expect(isRelativeSource('/abs.png')).toBe(false);
    expect(isRelativeSource('')).toBe(false);
    expect(resolveSource('images/a.png', 'http://host/examples/')).toBe('http://host/examples/images/a.png');
  });

  it('makes relative image paths absolute for share links, leaving the rest', () => {
    const lookup = createNodeRegistry().lookup;
    let doc = addNode(emptyGraph(), lookup('image.load')!, { x: 0, y: 0 }).doc;
    doc = setParam(doc, 'load', 'image', 'images/a.png');
    const linked = linkGraph(doc, 'http://host/examples/');
    expect(linked.nodes[0]!.params.image).toBe('http://host/examples/images/a.png');
    expect(linkGraph(doc, undefined)).toBe(doc);
  });
});
