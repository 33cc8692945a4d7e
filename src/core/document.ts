import { z } from 'zod';

/**
 * The shareable graph document, version 1. This schema is frozen: a change to
 * the document's shape makes a new version with a migration in `migrations.ts`.
 * Semantics (nodes, params, edges, models) are kept apart from layout
 * (positions, sizes, viewport), so moving a node never changes what a graph
 * computes or its cache keys.
 */
export const GRAPH_FORMAT = 'kosmograph.graph';
export const GRAPH_VERSION = 1;

const identifier = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'ids use letters, digits, _ . : -');

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);

export const portRefSchema = z.object({ node: identifier, port: z.string().min(1).max(128) }).strict();

export const edgeSchema = z
  .object({
    from: portRefSchema,
    to: portRefSchema,
  })
  .strict();

export const nodeSchema = z
  .object({
    id: identifier,
    type: z.string().min(1).max(128),
    typeVersion: z.number().int().min(1),
    title: z.string().max(256).optional(),
    params: z.record(z.string(), jsonValueSchema),
    /** Absent: the node runs. 'mute': it does not run; 'bypass': its inputs pass through (see node-modes.ts). */
    mode: z.enum(['bypass', 'mute']).optional(),
  })
  .strict();

export const groupSchema = z
  .object({
    id: identifier,
    title: z.string().max(256),
    nodeIds: z.array(identifier),
    color: z.string().max(64).optional(),
  })
  .strict();

export const noteSchema = z
  .object({
    id: identifier,
    text: z.string().max(100_000),
  })
  .strict();

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 is 64 lowercase hex digits');

export const modelRefSchema = z
  .object({
    id: identifier,
    url: z.string().url().optional(),
    path: z.string().min(1).optional(),
    sha256: sha256Hex,
  })
  .strict()
  .refine((m) => m.url !== undefined || m.path !== undefined, { message: 'a model needs a url or a path' });

const positionSchema = z.object({ x: z.number(), y: z.number() }).strict();

export const layoutSchema = z
  .object({
    nodes: z.record(
      z.string(),
      z
        .object({
          x: z.number(),
          y: z.number(),
          width: z.number().optional(),
          height: z.number().optional(),
          /** The node's colour on the canvas (a CSS colour), as the user picked it: looks only. */
          color: z
            .string()
            .regex(/^#[0-9a-fA-F]{6}$/, 'a colour is #rrggbb')
            .optional(),
          /**
           * Params the editor shows as input sockets ("Convert to input"), wired or not yet: looks
           * only. A param with a wire into it is shown as an input whether listed or not.
           */
          paramInputs: z.array(z.string().min(1).max(128)).max(256).optional(),
        })
        .strict(),
    ),
    groups: z
      .record(
        z.string(),
        // `collapsed`: the editor shows the title bar only and hides the group's nodes.
        positionSchema.extend({ width: z.number(), height: z.number(), collapsed: z.boolean().optional() }),
      )
      .optional(),
    notes: z.record(z.string(), positionSchema).optional(),
    /**
     * Reroute points of wires, by edge key (`edge-key.ts`): waypoints the wire is drawn through,
     * looks only. An entry whose edge is not in the graph is ignored (the editor drops it on edit).
     */
    edges: z.record(z.string(), z.object({ points: z.array(positionSchema).max(1000) }).strict()).optional(),
    viewport: z.object({ x: z.number(), y: z.number(), zoom: z.number().positive() }).strict().optional(),
  })
  .strict();

export const graphDocumentSchema = z
  .object({
    format: z.literal(GRAPH_FORMAT),
    version: z.literal(GRAPH_VERSION),
    meta: z
      .object({
        name: z.string().max(256).optional(),
        description: z.string().max(10_000).optional(),
      })
      .strict()
      .optional(),
    nodes: z.array(nodeSchema),
    edges: z.array(edgeSchema),
    groups: z.array(groupSchema).optional(),
    notes: z.array(noteSchema).optional(),
    models: z.array(modelRefSchema).optional(),
    layout: layoutSchema.optional(),
  })
  .strict();

export type PortRef = z.infer<typeof portRefSchema>;
export type GraphEdge = z.infer<typeof edgeSchema>;
export type GraphNode = z.infer<typeof nodeSchema>;
export type NodeMode = NonNullable<GraphNode['mode']>;
export type GraphGroup = z.infer<typeof groupSchema>;
export type GraphNote = z.infer<typeof noteSchema>;
export type ModelRef = z.infer<typeof modelRefSchema>;
export type GraphLayout = z.infer<typeof layoutSchema>;
export type GraphDocument = z.infer<typeof graphDocumentSchema>;

export function emptyGraph(): GraphDocument {
  return { format: GRAPH_FORMAT, version: GRAPH_VERSION, nodes: [], edges: [] };
}
