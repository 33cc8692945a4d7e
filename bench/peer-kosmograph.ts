// The kosmograph side of `npm run bench:peer`, run as its own process by bench/peer.ts:
//   node --import tsx bench/peer-kosmograph.ts step  <checkpoint> --sizes 256,512 [--warmup 1] [--samples 1]
//   node --import tsx bench/peer-kosmograph.ts image <checkpoint> --size 512 --steps 4 [--warmup 1] [--samples 1]
// It runs real graphs through the Executor on onnxruntime-node's CPU backend (kosmograph's defaults: no thread
// setting, so ONNX Runtime's own intra-op default) and prints one JSON line (PeerChildReport) on stdout.
import { createNodeRegistry } from '../nodes/index';
import { decodeLatentFile } from '../nodes/latent-file/latent-codec';
import type { GraphDocument } from '../src/core/document';
import { loadGraphDocument } from '../src/core/load-document';
import type { Artifact } from '../src/core/node-definition';
import type { EngineEvent } from '../src/engine/events';
import { Executor } from '../src/engine/executor';
import { createNodeRuntime } from '../src/runtime/node/node-runtime';
import { type PeerChildReport, PeerKosmographArgs, type PeerSample } from './peer-protocol';

const registry = createNodeRegistry();
export const PROMPT = 'a photograph of an astronaut riding a horse';
export const NEGATIVE = 'blurry, low quality';

type Edge = readonly [string, string, string, string];
const wire = (rows: readonly Edge[]) =>
  rows.map(([a, ap, b, bp]) => ({ from: { node: a, port: ap }, to: { node: b, port: bp } }));

/**
 * Load Checkpoint -> CLIP Text Encode (prompt + negative) -> Empty Latent (size) -> Sampler (Euler on the
 * checkpoint's scheduler config, diffusers' numbers, guidance 7.5: uncond + cond batched, batch 2) -> Save
 * Latent; with `decode`, also VAE Decode -> Save Image (the PNG encoded in memory, embedding the graph).
 */
export function peerGraph(
  checkpoint: string,
  opts: { size: number; steps: number; seed: number; prompt: string; decode: boolean },
): GraphDocument {
  const nodes: unknown[] = [
    { id: 'ckpt', type: 'models.checkpoint', typeVersion: 1, params: { checkpoint } },
    {
      id: 'prompt',
      type: 'conditioning.clip_text_encode',
      typeVersion: 1,
      params: { text: opts.prompt, negative: NEGATIVE },
    },
    {
      id: 'empty',
      type: 'latent.empty',
      typeVersion: 1,
      params: { width: opts.size, height: opts.size, batch_size: 1 },
    },
    {
      id: 'sampler',
      type: 'sampling.sampler',
      typeVersion: 1,
      params: {
        seed: opts.seed,
        steps: opts.steps,
        cfg: 7.5,
        sampler: 'euler',
        scheduler: 'diffusers',
        denoise: 1,
      },
    },
    { id: 'latent', type: 'latent.save', typeVersion: 1, params: { filename_prefix: 'latent' } },
  ];
  const edges: Edge[] = [
    ['ckpt', 'clip', 'prompt', 'clip'],
    ['ckpt', 'vae', 'empty', 'vae'],
    ['ckpt', 'unet', 'sampler', 'unet'],
    ['prompt', 'positive', 'sampler', 'positive'],
    ['prompt', 'negative', 'sampler', 'negative'],
    ['empty', 'latent', 'sampler', 'latent'],
    ['sampler', 'latent', 'latent', 'latent'],
  ];
  if (opts.decode) {
    nodes.push(
      { id: 'decode', type: 'latent.vae_decode', typeVersion: 1, params: {} },
      { id: 'save', type: 'image.save', typeVersion: 1, params: { filename_prefix: 'image' } },
    );
    edges.push(
      ['ckpt', 'vae', 'decode', 'vae'],
      ['sampler', 'latent', 'decode', 'latent'],
      ['decode', 'image', 'save', 'image'],
    );
  }
  const doc = { format: 'kosmograph.graph', version: 1, nodes, edges: wire(edges) };
  return loadGraphDocument(doc, registry.lookup, 'peer-bench.json').graph;
}

/** Throws unless the job's artifacts hold a finite latent of the expected size (and a PNG when decoding). */
export function checkArtifacts(
  artifacts: readonly { readonly nodeId: string; readonly artifact: Artifact }[],
  size: number,
  decode: boolean,
): void {
  const latent = artifacts.find((a) => a.nodeId === 'latent')?.artifact;
  if (latent?.kind !== 'file') throw new Error('the job gave no latent file');
  // decodeLatentFile refuses non-finite values itself, naming the index.
  const { samples } = decodeLatentFile(latent.bytes, latent.fileName);
  if (samples.dims[2] !== size / 8 || samples.dims[3] !== size / 8) {
    throw new Error(`latent is [${samples.dims.join(', ')}], expected ${size / 8} x ${size / 8}`);
  }
  if (decode) {
    const image = artifacts.find((a) => a.nodeId === 'save')?.artifact;
    if (image?.kind !== 'image' || !image.png || image.png.length === 0)
      throw new Error('the job gave no PNG');
    if (image.image.width !== size || image.image.height !== size) {
      throw new Error(`image is ${image.image.width} x ${image.image.height}, expected ${size} x ${size}`);
    }
  }
}

/** Runs one job; returns the job's and every node's milliseconds (node:done events), or throws on failure. */
async function timedJob(
  executor: Executor<unknown>,
  graph: GraphDocument,
  size: number,
  decode: boolean,
): Promise<PeerSample> {
  const nodes: Record<string, number> = {};
  const started = performance.now();
  const result = await executor.run(graph, {
    onEvent: (event: EngineEvent) => {
      if (event.type === 'node:done') nodes[event.nodeId] = event.ms;
    },
  });
  const jobMs = performance.now() - started;
  if (result.status !== 'done') {
    throw new Error(
      `job ${result.status}${result.error?.nodeId ? ` at node "${result.error.nodeId}"` : ''}: ${result.error?.message ?? ''}`,
    );
  }
  checkArtifacts(result.artifacts, size, decode);
  return { jobMs, nodes };
}

async function main(argv: readonly string[]): Promise<PeerChildReport> {
  const args = PeerKosmographArgs.parse(parseFlags(argv));
  const runtime = await createNodeRuntime('cpu', process.cwd());
  const executor = new Executor(registry, runtime.services) as Executor<unknown>;
  const report: PeerChildReport = { status: 'done', side: 'kosmograph', runs: [], maxRss: 0 };
  let seed = 1;
  if (args.cmd === 'step') {
    // Steps=1 jobs; a new seed per job, so the sampler (and Save Latent) re-run and the checkpoint and
    // text encode come from the executor's cache, as when a user changes the seed.
    for (const size of args.sizes) {
      for (let i = 0; i < args.warmup; i++) {
        const graph = peerGraph(args.checkpoint, {
          size,
          steps: 1,
          seed: seed++,
          prompt: PROMPT,
          decode: false,
        });
        await timedJob(executor, graph, size, false);
      }
      for (let i = 0; i < args.samples; i++) {
        const graph = peerGraph(args.checkpoint, {
          size,
          steps: 1,
          seed: seed++,
          prompt: PROMPT,
          decode: false,
        });
        report.runs.push({ size, ...(await timedJob(executor, graph, size, false)) });
      }
    }
  } else {
    // Whole images: a new prompt per job, so the text encoder runs every time as in diffusers' pipeline call;
    // the loaded checkpoint (sessions in the pool) stays, as diffusers' loaded pipeline does. Warm-ups are
    // 1-step images: they open every session and size ONNX Runtime's allocations.
    for (let i = 0; i < args.warmup; i++) {
      const graph = peerGraph(args.checkpoint, {
        size: args.size,
        steps: 1,
        seed: seed++,
        prompt: `${PROMPT}, warm-up ${i}`,
        decode: true,
      });
      await timedJob(executor, graph, args.size, true);
    }
    for (let i = 0; i < args.samples; i++) {
      const graph = peerGraph(args.checkpoint, {
        size: args.size,
        steps: args.steps,
        seed: seed++,
        prompt: `${PROMPT}, take ${i}`,
        decode: true,
      });
      report.runs.push({ size: args.size, ...(await timedJob(executor, graph, args.size, true)) });
    }
  }
  return report;
}

/** `cmd checkpoint --flag value ...` into an object for zod. */
function parseFlags(argv: readonly string[]): Record<string, unknown> {
  const [cmd, checkpoint, ...rest] = argv;
  const out: Record<string, unknown> = { cmd, checkpoint };
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? '';
    if (!flag.startsWith('--')) throw new Error(`unexpected argument "${flag}"`);
    out[flag.slice(2)] = rest[i + 1];
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let report: PeerChildReport;
  try {
    report = await main(process.argv.slice(2));
  } catch (error) {
    report = {
      status: 'failed',
      side: 'kosmograph',
      error: error instanceof Error ? error.message : String(error),
      runs: [],
      maxRss: 0,
    };
  }
  report = { ...report, maxRss: process.resourceUsage().maxRSS * 1024 };
  console.log(JSON.stringify(report));
  process.exitCode = report.status === 'done' ? 0 : 1;
}
