import type { Node } from '@xyflow/react';
import type { GraphDocument } from '../../core/document';
import { groupFlowId } from './groups';

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
        height: box.height,
        ariaRole: 'group',
      },
    ];
  });
}
