// What crosses process boundaries in `npm run bench:peer`: the kosmograph child's arguments and the JSON line
// each child (kosmograph in Node, PyTorch / onnxruntime in Python) prints. Parsed with zod on the way in.
import { z } from 'zod';

const sizeList = z
  .string()
  .transform((s) => s.split(',').filter(Boolean).map(Number))
  .pipe(z.array(z.number().int().positive().multipleOf(64)).min(1));
const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export const PeerKosmographArgs = z.discriminatedUnion('cmd', [
  z.object({
    cmd: z.literal('step'),
    checkpoint: z.string().min(1),
    sizes: sizeList,
    warmup: count(1),
    samples: count(1),
  }),
  z.object({
    cmd: z.literal('image'),
    checkpoint: z.string().min(1),
    size: z.coerce.number().int().positive().multipleOf(64),
    steps: z.coerce.number().int().min(1),
    warmup: count(1),
    samples: count(1),
  }),
]);
export type PeerKosmographArgs = z.infer<typeof PeerKosmographArgs>;

export const PeerSample = z.object({
  /** The whole job (validation, planning, cached nodes, the nodes that ran), from run() to its result. */
  jobMs: z.number(),
  /** node:done milliseconds of each node that ran (cached nodes have none). */
  nodes: z.record(z.string(), z.number()),
});
export type PeerSample = z.infer<typeof PeerSample>;

export const PeerChildReport = z.object({
  status: z.enum(['done', 'failed']),
  side: z.literal('kosmograph'),
  error: z.string().optional(),
  runs: z.array(PeerSample.extend({ size: z.number() })),
  /** Peak resident set of the child process, bytes. */
  maxRss: z.number(),
});
export type PeerChildReport = z.infer<typeof PeerChildReport>;

/** The line `python -m kosmograph_tools.peer_bench models|step|image` prints. */
export const PythonReport = z.object({
  cmd: z.enum(['models', 'step', 'image']),
  status: z.enum(['done', 'failed']),
  error: z.string().optional(),
  root: z.string().optional(),
  side: z.enum(['torch', 'ort', 'diffusers']).optional(),
  threads: z.number().int(),
  versions: z.record(z.string(), z.string()),
  steps: z.array(z.object({ size: z.number(), ms: z.array(z.number()) })).optional(),
  ms: z.array(z.number()).optional(),
  max_rss: z.number(),
});
export type PythonReport = z.infer<typeof PythonReport>;
