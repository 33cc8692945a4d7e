import type { Node } from '@xyflow/react';
import { describe, expect, it } from 'vitest';
import { arithmeticRegistry, diamondGraph } from '../../../test/fixtures/arithmetic-registry';
import type { GraphDocument } from '../../core/document';
import { hideNodes } from './group-flow';
import {
  groupAround,
  groupFlowId,
  groupIdOf,
  hiddenByGroups,
  moveGroupTo,
  removeGroup,
  retitleGroup,
  toggleGroupCollapsed,
} from './groups';

const lookup = arithmeticRegistry().lookup;
const sizes = { add: { width: 200, height: 100 }, add2: { width: 200, height: 100 } };

function laidOut(): GraphDocument {
  const g = diamondGraph();
  g.layout = { nodes: { add: { x: 100, y: 100 }, add2: { x: 400, y: 200 }, sink: { x: 700, y: 100 } } };
  return g;
}

describe('groups', () => {
  it('boxes the chosen nodes with room around them and a title bar', () => {
    const { doc, id } = groupAround(laidOut(), ['add', 'add2', 'ghost'], 'Math', lookup, sizes);
    expect(id).toBe('group_1');
    expect(doc.groups).toEqual([{ id: 'group_1', title: 'Math', nodeIds: ['add', 'add2'] }]);
    const box = doc.layout?.groups?.group_1;
    expect(box).toEqual({ x: 100 - 24, y: 100 - 24 - 40, width: 500 + 48, height: 200 + 48 + 40 });
  });

  it('makes nothing for no known node', () => {
    const g = laidOut();
    expect(groupAround(g, ['ghost'], 'x', lookup, sizes)).toEqual({ doc: g });
  });

  it('moves its nodes with the box, and only them', () => {
    const { doc } = groupAround(laidOut(), ['add', 'add2'], 'Math', lookup, sizes);
    const box = doc.layout!.groups!.group_1!;
    const moved = moveGroupTo(doc, 'group_1', { x: box.x + 30, y: box.y - 10 });
    expect(moved.layout?.nodes.add).toEqual({ x: 130, y: 90 });
    expect(moved.layout?.nodes.add2).toEqual({ x: 430, y: 190 });
    expect(moved.layout?.nodes.sink).toEqual({ x: 700, y: 100 });
    expect(moved.layout?.groups?.group_1).toMatchObject({ x: box.x + 30, y: box.y - 10, width: box.width });
    expect(moveGroupTo(doc, 'group_1', { x: box.x, y: box.y })).toBe(doc);
  });

  it('ungroups (the nodes stay) and retitles; a second group gets a fresh id', () => {
    const one = groupAround(laidOut(), ['add'], 'A', lookup, sizes).doc;
    const two = groupAround(one, ['sink'], 'B', lookup, sizes);
    expect(two.id).toBe('group_2');
    const renamed = retitleGroup(two.doc, 'group_2', 'Outputs');
    expect(renamed.groups?.map((g) => g.title)).toEqual(['A', 'Outputs']);
    const gone = removeGroup(removeGroup(renamed, 'group_1'), 'group_2');
    expect(gone.groups).toBeUndefined();
    expect(gone.layout?.groups).toEqual({});
    expect(gone.layout?.nodes).toEqual(laidOut().layout?.nodes);
  });

  it('names group boxes on the canvas apart from node ids', () => {
    expect(groupIdOf(groupFlowId('g1'))).toBe('g1');
    expect(groupIdOf('add')).toBeUndefined();
  });
});

describe('collapsed groups', () => {
  it('collapse hides the members (saved in the layout), expand shows them again', () => {
    const { doc } = groupAround(laidOut(), ['add', 'add2'], 'Math', lookup, sizes);
    expect([...hiddenByGroups(doc)]).toEqual([]);
    const collapsed = toggleGroupCollapsed(doc, 'group_1');
    expect(collapsed.layout?.groups?.group_1?.collapsed).toBe(true);
    expect([...hiddenByGroups(collapsed)]).toEqual(['add', 'add2']);
    const expanded = toggleGroupCollapsed(collapsed, 'group_1');
    expect(expanded.layout?.groups?.group_1).toEqual(doc.layout?.groups?.group_1);
    const flowNode: Node = { id: 'add', position: { x: 0, y: 0 }, data: {} };
    expect(hideNodes([flowNode], hiddenByGroups(collapsed))[0]?.hidden).toBe(true);
  });
});
