import { commitDoc } from './actions';
import { specOf } from './registry';
import type { XY } from './state/graph-ops';
import { groupAround, moveGroupTo, removeGroup, retitleGroup, toggleGroupCollapsed } from './state/groups';
import { currentDoc, editorStore } from './store';

/** Ctrl+G: a group around the selected nodes (one undo step). */
export function groupSelection(): void {
  const { selectedNodes, measured } = editorStore.getState();
  const { doc, id } = groupAround(currentDoc(), selectedNodes, 'Group', specOf, measured);
  if (id !== undefined) commitDoc(doc);
}

let groupGesture = 0;
/** A new drag of a group box starts (its moves are one undo step). */
export function beginGroupDrag(): void {
  groupGesture += 1;
}

/** Dragging a group box: its nodes come along. */
export function dragGroup(groupId: string, position: XY): void {
  commitDoc(moveGroupTo(currentDoc(), groupId, position), {
    key: `group-drag:${groupGesture}`,
    gesture: true,
  });
}

export function ungroup(groupId: string): void {
  commitDoc(removeGroup(currentDoc(), groupId));
}

export function renameGroup(groupId: string, title: string): void {
  commitDoc(retitleGroup(currentDoc(), groupId, title), { key: `group-title:${groupId}` });
}

export function toggleCollapsed(groupId: string): void {
  commitDoc(toggleGroupCollapsed(currentDoc(), groupId));
}
