import type { NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { renameGroup, toggleCollapsed, ungroup } from '../group-actions';
import { COLLAPSED_HEIGHT } from '../state/group-flow';
import { groupIdOf } from '../state/groups';
import { useEditor } from '../store';

/**
 * A group on the canvas: a titled box drawn behind its nodes. Its title bar drags it (and its
 * nodes with it); the title can be edited; Ungroup removes the box and leaves the nodes.
 */
export const GroupBox = memo(function GroupBox({ id }: NodeProps) {
  const groupId = groupIdOf(id) ?? id;
  const group = useEditor((s) => s.history.present.groups?.find((g) => g.id === groupId));
  const box = useEditor((s) => s.history.present.layout?.groups?.[groupId]);
  if (!group || !box) return null;
  return (
    <section
      className="kg-group"
      aria-label={`group ${group.title}`}
      data-group-id={group.id}
      data-collapsed={box.collapsed === true}
      style={{
        width: box.width,
        height: box.collapsed === true ? COLLAPSED_HEIGHT : box.height,
        ...(group.color ? { borderColor: group.color } : {}),
      }}
    >
      <header className="kg-group-header">
        <input
          className="kg-group-title nodrag"
          aria-label="Group title"
          value={group.title}
          maxLength={256}
          onChange={(e) => renameGroup(group.id, e.target.value)}
        />
        <span className="kg-group-count">
          {group.nodeIds.length} node{group.nodeIds.length === 1 ? '' : 's'}
        </span>
        <button
          type="button"
          className="kg-group-collapse nodrag"
          aria-expanded={box.collapsed !== true}
          onClick={() => toggleCollapsed(group.id)}
        >
          {box.collapsed === true ? 'Expand' : 'Collapse'}
        </button>
        <button type="button" className="kg-group-ungroup nodrag" onClick={() => ungroup(group.id)}>
          Ungroup
        </button>
      </header>
    </section>
  );
});
