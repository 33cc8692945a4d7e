import type { GraphDocument, GraphGroup } from '../../core/document';
import type { NodeSpecLookup } from '../../core/node-spec';
import { nodeRects } from '../placement';
import type { XY } from './graph-ops';

/**
 * Groups on the canvas: a titled box around some nodes, saved in the document's `groups` (which
 * nodes, the title) and `layout.groups` (where the box is and how big). Moving a group moves its
 * nodes by the same amount. Pure functions over the document.
 */

/** Canvas ids of group boxes: `#` is not allowed in node ids, so they never meet a node's id. */
export const GROUP_FLOW_PREFIX = '#group:';
export const groupFlowId = (groupId: string): string => `${GROUP_FLOW_PREFIX}${groupId}`;
export const groupIdOf = (flowId: string): string | undefined =>
  flowId.startsWith(GROUP_FLOW_PREFIX) ? flowId.slice(GROUP_FLOW_PREFIX.length) : undefined;

/** Room around the member nodes, and above them for the title bar. */
const PAD = 24;
const TITLE = 40;

function freshGroupId(doc: GraphDocument): string {
  const taken = new Set((doc.groups ?? []).map((g) => g.id));
  let n = taken.size + 1;
  while (taken.has(`group_${n}`)) n += 1;
  return `group_${n}`;
}

/** `doc` with a new group titled `title` boxed around `nodeIds` (those the document has); unchanged for none. */
export function groupAround(
  doc: GraphDocument,
  nodeIds: Iterable<string>,
  title: string,
  lookup: NodeSpecLookup,
  sizes: Readonly<Record<string, { width: number; height: number }>>,
): { doc: GraphDocument; id?: string } {
  const rects = nodeRects(doc, lookup, sizes);
  const members = [...new Set(nodeIds)].filter((id) => rects.has(id));
  if (members.length === 0) return { doc };
  let left = Number.POSITIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  let right = Number.NEGATIVE_INFINITY;
  let bottom = Number.NEGATIVE_INFINITY;
  for (const id of members) {
    const r = rects.get(id)!;
    left = Math.min(left, r.x);
    top = Math.min(top, r.y);
    right = Math.max(right, r.x + r.width);
    bottom = Math.max(bottom, r.y + r.height);
  }
  const id = freshGroupId(doc);
  const group: GraphGroup = { id, title, nodeIds: members };
  const box = {
    x: left - PAD,
    y: top - PAD - TITLE,
    width: right - left + 2 * PAD,
    height: bottom - top + 2 * PAD + TITLE,
  };
  return {
    doc: {
      ...doc,
      groups: [...(doc.groups ?? []), group],
      layout: { ...doc.layout, nodes: doc.layout?.nodes ?? {}, groups: { ...doc.layout?.groups, [id]: box } },
    },
    id,
  };
}

/** `doc` with group `groupId`'s box at `position` and each of its nodes moved by as much. */
export function moveGroupTo(doc: GraphDocument, groupId: string, position: XY): GraphDocument {
  const group = doc.groups?.find((g) => g.id === groupId);
  const box = doc.layout?.groups?.[groupId];
  if (!group || !box) return doc;
  const dx = position.x - box.x;
  const dy = position.y - box.y;
  if (dx === 0 && dy === 0) return doc;
  const nodes = { ...doc.layout?.nodes };
  for (const id of group.nodeIds) {
    const p = nodes[id];
    if (p) nodes[id] = { ...p, x: p.x + dx, y: p.y + dy };
  }
  return {
    ...doc,
    layout: {
      ...doc.layout,
      nodes,
      groups: { ...doc.layout?.groups, [groupId]: { ...box, x: position.x, y: position.y } },
    },
  };
}

/** `doc` without group `groupId` (its nodes stay where they are). */
export function removeGroup(doc: GraphDocument, groupId: string): GraphDocument {
  if (!doc.groups?.some((g) => g.id === groupId)) return doc;
  const groups = doc.groups.filter((g) => g.id !== groupId);
  const { [groupId]: _gone, ...boxes } = doc.layout?.groups ?? {};
  const { groups: _all, ...rest } = doc;
  return {
    ...rest,
    ...(groups.length > 0 ? { groups } : {}),
    layout: { ...doc.layout, nodes: doc.layout?.nodes ?? {}, groups: boxes },
  };
}

/** `doc` with group `groupId` titled `title`. */
export function retitleGroup(doc: GraphDocument, groupId: string, title: string): GraphDocument {
  if (!doc.groups?.some((g) => g.id === groupId)) return doc;
  return { ...doc, groups: doc.groups.map((g) => (g.id === groupId ? { ...g, title } : g)) };
}

/** `doc` with group `groupId` collapsed (its title bar only, its nodes hidden) or expanded again. */
export function toggleGroupCollapsed(doc: GraphDocument, groupId: string): GraphDocument {
  const box = doc.layout?.groups?.[groupId];
  if (!box) return doc;
  const { collapsed: _was, ...rest } = box;
  const next = box.collapsed === true ? rest : { ...rest, collapsed: true };
  return {
    ...doc,
    layout: {
      ...doc.layout,
      nodes: doc.layout?.nodes ?? {},
      groups: { ...doc.layout?.groups, [groupId]: next },
    },
  };
}

/** Ids of the nodes hidden in collapsed groups. */
export function hiddenByGroups(doc: Pick<GraphDocument, 'groups' | 'layout'>): Set<string> {
  const hidden = new Set<string>();
  for (const g of doc.groups ?? []) {
    if (doc.layout?.groups?.[g.id]?.collapsed !== true) continue;
    for (const id of g.nodeIds) hidden.add(id);
  }
  return hidden;
}
