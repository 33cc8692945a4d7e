import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE_PACK_DIR } from '../../src/runtime/node/node-model-services';
import { classifyImage } from '../pack/world-classifier';
import { exampleRunner, loadExample, savedImage, withParams } from './run-example';

/** Serves the reference pack over http on a free loopback port. */
let server: Server;
let baseUrl = '';
beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/')).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    try {
      res.end(await readFile(join(REFERENCE_PACK_DIR, path)));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a model pack from a URL, headless', () => {
  it('loads, verifies and runs', async () => {
    const { run } = await exampleRunner('cpu');
    const result = await run(withParams(loadExample('subject-driven'), { 'pack.pack': baseUrl }));
    expect(result.status, result.error?.message).toBe('done');
    const c = classifyImage(savedImage(result).image);
    expect(c.entities.map((e) => [e.shape, e.color])).toEqual([['square', 'blue']]);
  });

  it('fails naming the manifest URL when there is no pack there', async () => {
    const { run } = await exampleRunner('cpu');
    const result = await run(
      withParams(loadExample('subject-driven'), { 'pack.pack': `${baseUrl}missing/` }),
    );
    expect(result.status).toBe('failed');
    expect(result.error?.nodeId).toBe('pack');
    expect(result.error?.message).toMatch(/missing\/manifest\.json: cannot fetch: HTTP 404/);
  });
});
