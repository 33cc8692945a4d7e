import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { captureIo } from './capture-io';

const EXAMPLE = resolve('public/examples/subject-driven.json');
const IMAGE = resolve('public/examples/images/blue-square.png');

/** A server that records every request body, so the test sees exactly what submit uploads. */
async function recordingServer(): Promise<{ url: string; bodies: string[]; close(): void }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('latin1');
    });
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'recorded' }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() };
}

describe('kosmograph submit uploads only what run would let the graph read', () => {
  const root = mkdtempSync(join(tmpdir(), 'kosmograph-submit-files-'));
  const servers: { close(): void }[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('a path the graph names outside its folder is refused before anything is sent; --input files travel', async () => {
    mkdirSync(join(root, 'shared'));
    mkdirSync(join(root, 'secret'));
    writeFileSync(join(root, 'secret', 'private-photo.png'), readFileSync(IMAGE));
    const doc = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as {
      nodes: { id: string; type: string; params: Record<string, unknown> }[];
    };
    const loads = doc.nodes.filter((n) => n.type === 'image.load');
    for (const node of loads) node.params.image = '../secret/private-photo.png';
    const graph = join(root, 'shared', 'graph.json');
    writeFileSync(graph, JSON.stringify(doc));
    const server = await recordingServer();
    servers.push(server);

    const io = captureIo();
    expect(await main(['submit', graph, '--server', server.url], io)).toBe(2);
    expect(io.err()).toMatch(/private-photo\.png.*outside the folders/);
    expect(server.bodies).toHaveLength(0);

    // The same images given with --input are the user's: they are uploaded.
    copyFileSync(IMAGE, join(root, 'mine.png'));
    const args = ['submit', graph, '--server', server.url];
    for (const node of loads) args.push('--input', `${node.id}=${join(root, 'mine.png')}`);
    const sent = captureIo();
    expect(await main(args, sent)).toBe(2); // the recording server refuses every job
    expect(server.bodies.length).toBeGreaterThan(0);
    expect(server.bodies[0]).toContain('data:image/png;base64,');
  });
});
