import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createNodeEngineClient } from '../../workers/engine-client-node';
import type { NodeRegistry } from '../core/node-definition';
import type { RuntimeServices } from '../runtime/services';
import { startRedisWorker } from '../server/redis-worker';
import { CliError, EXIT } from './cli-error';
import type { CliIo } from './run-command';

export const WORKER_USAGE =
  'usage: kosmograph worker --redis URL [--concurrency N] [--backend auto|cpu|wasm] [--models DIR] [--allow-dir DIR]... [--lock-ms 30000]';

const workerArgsSchema = z.object({
  redis: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL'),
  concurrency: z.coerce.number().int().min(1).max(64).default(1),
  backend: z.enum(['auto', 'cpu', 'wasm']).default('auto'),
  models: z.string().optional(),
  'allow-dir': z.array(z.string()).default([]),
  'lock-ms': z.coerce.number().int().min(500).max(3_600_000).default(30_000),
});

/**
 * `kosmograph worker`: runs queued jobs on one engine (a worker thread whose session pool stays
 * warm across jobs). SIGTERM: stop taking jobs and finish the running ones; a second SIGTERM hands
 * them back at once (another worker takes them after the lock expires).
 */
export async function workerCommand(
  argv: readonly string[],
  registry: NodeRegistry<RuntimeServices>,
  io: CliIo,
): Promise<number> {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        redis: { type: 'string' },
        concurrency: { type: 'string' },
        backend: { type: 'string' },
        models: { type: 'string' },
        'allow-dir': { type: 'string', multiple: true },
        'lock-ms': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new CliError(EXIT.invalid, [(error as Error).message, WORKER_USAGE]);
  }
  const parsed = workerArgsSchema.safeParse(values);
  if (!parsed.success)
    throw new CliError(EXIT.invalid, [
      ...parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`),
      WORKER_USAGE,
    ]);
  const args = parsed.data;
  const log = (line: string) => io.stdout.write(`${line}\n`);
  const baseDir = resolve(args.models ?? process.cwd());
  // The server checked every path before queueing; the engine holds graphs to the same folders
  // again (give the worker the server's --models / --allow-dir) and fetches nothing.
  const roots = [...(args.models ? [baseDir] : []), ...args['allow-dir'].map((d) => resolve(d))];
  const policy = { roots, origins: [], hint: 'start kosmograph worker with --models DIR or --allow-dir DIR' };
  const engine = createNodeEngineClient({ backend: args.backend, baseDir, policy }, (reason) =>
    log(`engine restarted: ${reason}`),
  );
  const status = await engine.status(); // starts the engine before the first job
  if (status.fallbackReason) io.stderr.write(`note: ${status.fallbackReason}\n`);
  const worker = await startRedisWorker({
    redisUrl: args.redis,
    concurrency: args.concurrency,
    engine,
    engineRestarts: () => engine.restarts,
    lookup: registry.lookup,
    lockMs: args['lock-ms'],
    log,
  });
  log(`kosmograph worker ${worker.name}: ready (${status.backend}, concurrency ${args.concurrency})`);
  await new Promise<void>((resolveStop) => {
    let signals = 0;
    const onSignal = () => {
      signals += 1;
      if (signals === 1) {
        log('stopping: finishing the running jobs (send SIGTERM again to hand them back now)');
        void worker.close().then(resolveStop);
      } else {
        void worker.close(true).then(resolveStop);
      }
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  engine.dispose();
  log('stopped');
  return EXIT.ok;
}
