import { beforeEach, describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { emptyGraph } from '../core/document';
import { openGraph } from './actions';
import { pressHandle } from './keyboard-wiring';
import { addNode } from './state/graph-ops';
import { editorStore, initialEditorState } from './store';

const lookup = createNodeRegistry().lookup;

describe('keyboard wiring', () => {
  beforeEach(() => {
    editorStore.setState(initialEditorState());
    let doc = addNode(emptyGraph(), lookup('image.load')!, { x: 0, y: 0 }).doc;
    doc = addNode(doc, lookup('image.preview')!, { x: 300, y: 0 }).doc;
    openGraph({ graph: doc, warnings: [] }, { source: 'test', quiet: true });
  });

  const out = { nodeId: 'load', port: 'image', type: 'IMAGE' as const, side: 'source' as const };
  const into = { nodeId: 'preview', port: 'image', type: 'IMAGE' as const, side: 'target' as const };

  it('Enter on an output then on an input connects them, from either end', () => {
    pressHandle(out);
    expect(editorStore.getState().dragging).toEqual(out);
    pressHandle(into);
    expect(editorStore.getState().dragging).toBeUndefined();
    expect(editorStore.getState().history.present.edges).toEqual([
      { from: { node: 'load', port: 'image' }, to: { node: 'preview', port: 'image' } },
    ]);
  });

  it('Enter twice on one handle puts it down; another handle of the same side is picked instead', () => {
    pressHandle(into);
    pressHandle(into);
    expect(editorStore.getState().dragging).toBeUndefined();
    pressHandle(into);
    const other = { ...into, nodeId: 'x' };
    pressHandle(other);
    expect(editorStore.getState().dragging).toEqual(other);
    expect(editorStore.getState().history.present.edges).toEqual([]);
  });
});
