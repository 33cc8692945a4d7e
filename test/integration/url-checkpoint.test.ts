import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLatentFile } from '../../nodes/latent-file/latent-codec';
import { GOLDEN_DIR, goldenTensor, maxAbsDiff, SD15_DIR, text2imageGraph } from '../sd15/sd15-graphs';
import { exampleRunner, savedFile, withParams } from './run-example';

/** Serves test/fixtures/sd15 over http (HEAD included, as Node's http server does). */
let server: Server;
let baseUrl = '';
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    try {
      const bytes = await readFile(join(SD15_DIR, path));
      res.setHeader('content-length', bytes.byteLength);
      res.end(bytes);
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a checkpoint folder from a URL, headless', () => {
  it("opens the optimum export by its URL and gives diffusers' latents (external data from bytes)", async () => {
    const { run } = await exampleRunner('cpu');
    const graph = withParams(text2imageGraph('optimum', 'dpmpp_2m'), {
      'ckpt.checkpoint': `${baseUrl}optimum/`,
      'noise.latent': join(GOLDEN_DIR, 'noise.latent'),
    });
    const result = await run(graph);
    expect(result.status, result.error?.message).toBe('done');
    const latent = decodeLatentFile(savedFile(result, 'out').bytes, 'out');
    expect(
      maxAbsDiff(latent.samples.data, goldenTensor('dpmpp_2m.latent', 'latent_tensor')),
    ).toBeLessThanOrEqual(1e-3);
  });

  it('fails naming what it expected at a URL with neither manifest.json nor model_index.json', async () => {
    const { run } = await exampleRunner('cpu');
    const graph = withParams(text2imageGraph('optimum', 'dpmpp_2m'), {
      'ckpt.checkpoint': `${baseUrl}golden/`,
    });
    const result = await run(graph);
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('ckpt');
    expect(result.error?.message).toMatch(
      /golden\/manifest\.json: cannot fetch: HTTP 404, and there is no model_index\.json/,
    );
  });
});
