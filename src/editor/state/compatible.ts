import { type NodeSpec, paramInputPort } from '../../core/node-spec';
import { type SocketType, socketAccepts } from '../../core/socket-types';

/** A connection being dragged: from an output (`source`) or from an input (`target`). */
export interface PendingHandle {
  readonly nodeId: string;
  readonly port: string;
  readonly type: SocketType;
  readonly side: 'source' | 'target';
}

export interface NodeOffer {
  readonly spec: NodeSpec;
  /** The port of the new node that would take the pending connection. */
  readonly port?: string;
}

function matches(spec: NodeSpec, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const hay = `${spec.title} ${spec.type} ${spec.category} ${spec.description}`.toLowerCase();
  return q.split(/\s+/).every((word) => hay.includes(word));
}

/** Ranks title hits above other hits, then keeps palette order. */
function rank(spec: NodeSpec, query: string): number {
  const q = query.trim().toLowerCase();
  if (q === '') return 0;
  const title = spec.title.toLowerCase();
  if (title.startsWith(q)) return 0;
  if (title.includes(q)) return 1;
  return 2;
}

/**
 * Node kinds that match `query`, and, when a connection is pending, only
 * those with a port that can take it (the first such port is offered).
 */
export function searchNodes(specs: readonly NodeSpec[], query: string, pending?: PendingHandle): NodeOffer[] {
  const offers: { offer: NodeOffer; rank: number; index: number }[] = [];
  specs.forEach((spec, index) => {
    if (!matches(spec, query)) return;
    let port: string | undefined;
    if (pending) {
      // An output's wire goes to an input, else to a param that takes it (shown as an input).
      const candidates =
        pending.side === 'source'
          ? [...spec.inputs, ...spec.params.flatMap((p) => paramInputPort(spec, p.name) ?? [])].filter((p) =>
              socketAccepts(p.type, pending.type),
            )
          : spec.outputs.filter((p) => socketAccepts(pending.type, p.type));
      if (candidates.length === 0) return;
      port = candidates[0]!.name;
    }
    offers.push({ offer: port === undefined ? { spec } : { spec, port }, rank: rank(spec, query), index });
  });
  offers.sort((a, b) => a.rank - b.rank || a.index - b.index);
  return offers.map((o) => o.offer);
}

/** Palette groups: categories in first-seen order. */
export function groupByCategory(specs: readonly NodeSpec[]): [string, NodeSpec[]][] {
  const groups = new Map<string, NodeSpec[]>();
  for (const spec of specs) {
    const list = groups.get(spec.category) ?? [];
    list.push(spec);
    groups.set(spec.category, list);
  }
  return [...groups];
}
