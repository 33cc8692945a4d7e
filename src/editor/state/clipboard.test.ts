import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { emptyGraph } from '../../core/document';
import { copyNodes, parseClipboard, pasteNodes } from './clipboard';
import { addNode, connect } from './graph-ops';

const registry = createNodeRegistry();
const lookup = registry.lookup;

function twoNodes() {
  let doc = addNode(emptyGraph(), lookup('image.load')!, { x: 10, y: 20 }).doc;
  doc = addNode(doc, lookup('image.canny')!, { x: 300, y: 20 }).doc;
  const r = connect(doc, { node: 'load', port: 'image' }, { node: 'canny', port: 'image' }, lookup);
  if (!r.ok) throw new Error(r.reason);
  return r.doc;
}

describe('clipboard', () => {
  it('pastes with new ids, offset positions and the internal edges', () => {
    const doc = twoNodes();
    const payload = copyNodes(doc, new Set(['load', 'canny']));
    const { doc: pasted, ids } = pasteNodes(doc, payload, lookup, { x: 40, y: 40 });
    expect(ids).toEqual(['load_2', 'canny_2']);
    expect(pasted.nodes).toHaveLength(4);
    expect(pasted.edges).toContainEqual({
      from: { node: 'load_2', port: 'image' },
      to: { node: 'canny_2', port: 'image' },
    });
    expect(pasted.layout?.nodes.load_2).toEqual({ x: 50, y: 60 });
  });

  it('leaves out edges to nodes that were not copied', () => {
    const doc = twoNodes();
    const payload = copyNodes(doc, new Set(['canny']));
    expect(payload.edges).toEqual([]);
    const { doc: pasted } = pasteNodes(doc, payload, lookup, { x: 0, y: 0 });
    expect(pasted.edges).toHaveLength(1);
  });

  it('with inputs (Ctrl+Shift+V), keeps the wires from nodes outside the copy', () => {
    const doc = twoNodes();
    const payload = parseClipboard(JSON.stringify(copyNodes(doc, new Set(['canny']))))!;
    expect(payload.inputs).toHaveLength(1);
    const plain = pasteNodes(doc, payload, lookup, { x: 0, y: 300 });
    expect(plain.doc.edges).toHaveLength(1);
    const wired = pasteNodes(doc, payload, lookup, { x: 0, y: 300 }, true);
    expect(wired.doc.edges).toContainEqual({
      from: { node: 'load', port: 'image' },
      to: { node: 'canny_2', port: 'image' },
    });
    // A source that is gone (deleted since the copy) is skipped.
    const gone = { ...doc, nodes: doc.nodes.filter((n) => n.id !== 'load'), edges: [] };
    expect(pasteNodes(gone, payload, lookup, { x: 0, y: 0 }, true).doc.edges).toEqual([]);
  });

  it('re-validates pasted edges', () => {
    const doc = twoNodes();
    const payload = copyNodes(doc, new Set(['load', 'canny']));
    const bad = {
      ...payload,
      edges: [{ from: { node: 'load', port: 'image' }, to: { node: 'load', port: 'image' } }],
    };
    const result = pasteNodes(doc, bad, lookup, { x: 0, y: 0 });
    expect(result.dropped).toHaveLength(1);
    expect(result.doc.edges).toHaveLength(1);
  });

  it('parses only kosmograph clipboard text', () => {
    const doc = twoNodes();
    const text = JSON.stringify(copyNodes(doc, new Set(['load'])));
    expect(parseClipboard(text)?.nodes[0]?.id).toBe('load');
    expect(parseClipboard('hello')).toBeUndefined();
    expect(parseClipboard('{"format":"other"}')).toBeUndefined();
  });
});
