import { createServer } from 'node:http';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { NodeRegistry } from '../core/node-definition';
import type { RuntimeServices } from '../runtime/services';
import { createHttpApi } from '../server/http-server';
import type { JobQueue } from '../server/job-queue';
import { createMemoryQueue } from '../server/memory-queue';
import { createFolderOutputStore } from '../server/output-store';
import { createRedisQueue } from '../server/redis-queue';
import { CliError, EXIT } from './cli-error';
import { type CliIo, workerEngine } from './run-command';

const serveArgsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8188),
  redis: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional(),
  token: z.string().min(16, 'at least 16 characters').optional(),
  models: z.string().optional(),
  'allow-dir': z.array(z.string()).default([]),
  'allow-origin': z
    .array(z.string().regex(/^https?:\/\/[^/]+$/, 'an origin like https://host:port'))
    .default([]),
  store: z.string().optional(),
  'max-body-mb': z.coerce.number().positive().max(1024).default(32),
  backend: z.enum(['auto', 'cpu', 'wasm']).default('auto'),
});

export const SERVE_USAGE = `usage: kosmograph serve [--host 127.0.0.1] [--port 8188] [--redis URL] [--token T]
                       [--models DIR] [--allow-dir DIR]... [--allow-origin ORIGIN]...
                       [--store DIR] [--max-body-mb 32] [--backend auto|cpu|wasm]`;

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);

/** Parses `serve`'s flags (zod-checked); bad ones are exit-2 CliErrors naming the flag. */
export function parseServeArgs(argv: readonly string[]) {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        redis: { type: 'string' },
        token: { type: 'string' },
        models: { type: 'string' },
        'allow-dir': { type: 'string', multiple: true },
        'allow-origin': { type: 'string', multiple: true },
        store: { type: 'string' },
        'max-body-mb': { type: 'string' },
        backend: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new CliError(EXIT.invalid, [(error as Error).message, SERVE_USAGE]);
  }
  const parsed = serveArgsSchema.safeParse({ token: process.env.KOSMOGRAPH_TOKEN, ...values });
  if (!parsed.success)
    throw new CliError(
      EXIT.invalid,
      parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`),
    );
  const args = parsed.data;
  if (!isLoopback(args.host) && !args.token)
    throw new CliError(EXIT.invalid, [
      `--host ${args.host} is reachable from other machines: give a --token (or KOSMOGRAPH_TOKEN)`,
    ]);
  return args;
}

/** `kosmograph serve`: the HTTP API over the embedded queue or BullMQ on Redis. Runs until SIGTERM/SIGINT. */
export async function serveCommand(
  argv: readonly string[],
  registry: NodeRegistry<RuntimeServices>,
  io: CliIo,
): Promise<number> {
  const args = parseServeArgs(argv);
  const models = args.models !== undefined ? resolve(args.models) : undefined;
  const storeDir = resolve(args.store ?? join(homedir(), '.cache', 'kosmograph', 'outputs'));
  const store = createFolderOutputStore(storeDir);
  const roots = [...(models ? [models] : []), ...args['allow-dir'].map((d) => resolve(d))];
  let queue: JobQueue;
  let disposeEngine = () => {};
  if (args.redis) {
    queue = createRedisQueue(args.redis, storeDir);
  } else {
    // The engine holds the graphs to the same folders again (the file policy), and fetches nothing.
    const policy = {
      roots,
      origins: [],
      hint: 'start kosmograph serve with --models DIR or --allow-dir DIR',
    };
    const engine = await workerEngine(args.backend, models ?? process.cwd(), registry, policy);
    if (engine.note) io.stderr.write(`note: ${engine.note}\n`);
    disposeEngine = engine.dispose;
    queue = createMemoryQueue(engine.engine, store);
  }
  const api = createHttpApi({
    queue,
    store,
    lookup: registry.lookup,
    nodes: registry.describe(),
    policy: { roots },
    ...(args.token ? { token: args.token } : {}),
    allowOrigins: args['allow-origin'],
    maxBodyBytes: Math.round(args['max-body-mb'] * 1024 * 1024),
  });
  const server = createServer(api);
  server.requestTimeout = 5 * 60_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CliError(EXIT.runtimeFailure, [`cannot listen on ${args.host}:${args.port}: ${error.message}`]),
      ),
    );
    server.listen(args.port, args.host, () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : args.port;
  io.stdout.write(
    `kosmograph serve: listening on http://${args.host}:${port} (${queue.kind} queue, store ${storeDir})\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolveStop();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  server.closeAllConnections();
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  await queue.close();
  disposeEngine();
  return EXIT.ok;
}
