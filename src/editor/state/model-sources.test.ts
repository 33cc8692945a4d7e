import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { emptyGraph } from '../../core/document';
import { addNode } from './graph-ops';
import { pointNodesAt } from './model-sources';

const lookup = createNodeRegistry().lookup;

function graph() {
  let doc = emptyGraph();
  for (const type of ['models.pack', 'models.checkpoint', 'models.checkpoint']) {
    doc = addNode(doc, lookup(type)!, { x: 0, y: 0 }).doc;
  }
  return doc;
}

const params = (doc: ReturnType<typeof graph>) =>
  Object.fromEntries(doc.nodes.map((n) => [n.id, n.params.pack ?? n.params.checkpoint]));

describe('pointing nodes at an opened model source', () => {
  it('a checkpoint goes to every Load Checkpoint node, or only the selected ones', () => {
    const doc = graph();
    const all = pointNodesAt(doc, 'optimum-onnx', 'folder:sd');
    expect(all.nodes).toEqual(['checkpoint', 'checkpoint_2']);
    expect(params(all.doc)).toEqual({
      pack: 'reference',
      checkpoint: 'folder:sd',
      checkpoint_2: 'folder:sd',
    });
    const one = pointNodesAt(doc, 'diffusers-onnx', 'https://h/sd/', new Set(['checkpoint_2', 'pack']));
    expect(one.nodes).toEqual(['checkpoint_2']);
    expect(params(one.doc)).toEqual({
      pack: 'reference',
      checkpoint: 'reference',
      checkpoint_2: 'https://h/sd/',
    });
  });

  it('a pack goes to the Model Pack nodes; nothing to point at leaves the graph as it was', () => {
    const doc = graph();
    const packed = pointNodesAt(doc, 'kosmograph-pack', 'folder:shapes');
    expect(packed.nodes).toEqual(['pack']);
    expect(params(packed.doc).pack).toBe('folder:shapes');
    const none = pointNodesAt(emptyGraph(), 'optimum-onnx', 'folder:sd');
    expect(none.nodes).toEqual([]);
  });
});
