import { z } from 'zod';
import type { GraphDocument } from '../document';

/**
 * Version 0: the pre-release draft format, frozen. Nodes carried their canvas
 * position inline and edges were `links` written as "node.port" strings.
 * Kept only so that drafts shared before version 1 still open.
 */
const portString = z.string().regex(/^[^.]+\.[^.]+$/, 'links are written "node.port"');

export const graphV0Schema = z.object({
  format: z.literal('kosmograph.graph'),
  version: z.literal(0),
  name: z.string().optional(),
  nodes: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      typeVersion: z.number().int().min(1).optional(),
      params: z.record(z.string(), z.unknown()).optional(),
      position: z.object({ x: z.number(), y: z.number() }).optional(),
    }),
  ),
  links: z.array(z.object({ from: portString, to: portString })),
});

export type GraphV0 = z.infer<typeof graphV0Schema>;

function splitPort(ref: string): { node: string; port: string } {
  const dot = ref.indexOf('.');
  return { node: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

/** v0 -> v1: positions move to `layout`, links become edges, typeVersion defaults to 1. */
export function migrateV0ToV1(doc: GraphV0): unknown {
  const positions: Record<string, { x: number; y: number }> = {};
  for (const node of doc.nodes) if (node.position) positions[node.id] = node.position;
  const next: Record<string, unknown> = {
    format: doc.format,
    version: 1,
    nodes: doc.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      typeVersion: n.typeVersion ?? 1,
      params: n.params ?? {},
    })),
    edges: doc.links.map((l) => ({ from: splitPort(l.from), to: splitPort(l.to) })),
    layout: { nodes: positions },
  };
  if (doc.name !== undefined) next.meta = { name: doc.name };
  return next satisfies Partial<Record<keyof GraphDocument, unknown>>;
}
