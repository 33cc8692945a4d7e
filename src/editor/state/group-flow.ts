import type { Node } from '@xyflow/react';
import type { GraphDocument } from '../../core/document';
import { groupFlowId } from './groups';

/** A collapsed group's box is its title bar. */
export const COLLAPSED_HEIGHT = 40;

export { groupIdOf } from './groups';

type GroupFlowNode = Node<Record<string, never>, 'kgGroup'>;
const emptyData = {} as Record<string, never>;

/** The canvas nodes of the document's groups (those with a box in the layout): dragged by their title bar. */
export function groupFlowNodes(
  groups: GraphDocument['groups'],
  boxes: NonNullable<GraphDocument['layout']>['groups'],
): GroupFlowNode[] {
  if (!groups || !boxes) return [];
  return groups.flatMap((g) => {
    const box = boxes[g.id];
    if (!box) return [];
    return [
      {
        id: groupFlowId(g.id),
        type: 'kgGroup' as const,
        position: { x: box.x, y: box.y },
        data: emptyData,
        selectable: false,
        dragHandle: '.kg-group-header',
        width: box.width,
        height: box.collapsed === true ? COLLAPSED_HEIGHT : box.height,
        ariaRole: 'group',
      },
    ];
  });
}

/** `nodes` with those in `hidden` (collapsed groups' members) hidden; the others are the same objects. */
export function hideNodes<N extends Node>(nodes: N[], hidden: ReadonlySet<string>): N[] {
  if (hidden.size === 0) return nodes;
  return nodes.map((n) => (hidden.has(n.id) ? { ...n, hidden: true } : n));
}
