/**
 * Which nodes a model source opened in the picker goes to (a pure function of the document).
 *
 * - A kosmograph pack: every Model Pack node's `pack` param.
 * - A Kosmos-G encoder folder: the Load Kosmos-G nodes' `encoder` param (selected ones first).
 * - A Stable Diffusion checkpoint: the selected Load Checkpoint nodes' `checkpoint` param, or
 *   every Load Checkpoint node when none is selected.
 */
import type { GraphDocument } from '../../core/document';
import type { ModelLayout } from '../../runtime/models/model-set';
import { setParam } from './graph-ops';

export const PACK_NODE = { type: 'models.pack', param: 'pack' } as const;
export const CHECKPOINT_NODE = { type: 'models.checkpoint', param: 'checkpoint' } as const;
export const KOSMOS_G_NODE = { type: 'models.kosmos_g', param: 'encoder' } as const;

/** The node type and param a source of this layout is set on. */
export function targetOf(kind: ModelLayout): { readonly type: string; readonly param: string } {
  if (kind === 'kosmograph-pack') return PACK_NODE;
  return kind === 'kosmos-g-encoder' ? KOSMOS_G_NODE : CHECKPOINT_NODE;
}

export interface Retargeted {
  readonly doc: GraphDocument;
  /** Ids of the nodes now pointing at the source. */
  readonly nodes: readonly string[];
}

export function pointNodesAt(
  doc: GraphDocument,
  kind: ModelLayout,
  source: string,
  selected: ReadonlySet<string> = new Set(),
): Retargeted {
  const target = targetOf(kind);
  const candidates = doc.nodes.filter((n) => n.type === target.type);
  const chosen =
    kind !== 'kosmograph-pack' && candidates.some((n) => selected.has(n.id))
      ? candidates.filter((n) => selected.has(n.id))
      : candidates;
  let out = doc;
  for (const node of chosen) out = setParam(out, node.id, target.param, source);
  return { doc: out, nodes: chosen.map((n) => n.id) };
}
