/**
 * Issue 14, item 1: a shared graph cannot make kosmograph read a file outside the allowed
 * folders, nor carry one out inside the PNGs it writes. Each case is a finding reproduced
 * against `kosmograph run` (the engine in its worker, as users run it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { readGraphFromPng } from '../../src/core/graph-png';
import { cannyIn, cli, imageLoad, runInProcess, tempDir, writeGraph } from './security-helpers';

const { lookup } = createNodeRegistry();
const root = tempDir('reads');
const graphs = join(root, 'graphs');
const secret = join(root, 'secret');
mkdirSync(graphs);
mkdirSync(secret);
const SECRET_TEXT = 'root:x:0:0:private-photo-bytes';
writeFileSync(join(secret, 'private-photo.png'), SECRET_TEXT);
symlinkSync(join(secret, 'private-photo.png'), join(graphs, 'link.png'));
execFileSync('mkfifo', [join(graphs, 'pipe.png')]);
mkdirSync(join(graphs, 'folder.png'));
const { graph: canny, imageName } = cannyIn(graphs);
// A photo of the user's that happens to sit beside a downloaded graph.
writeFileSync(join(graphs, 'holiday.png'), readFileSync(join(graphs, imageName)));

/** The canny graph with the connected image pointed at `source`. */
const cannyOn = (source: string) => ({
  ...canny,
  nodes: canny.nodes.map((n) => (n.id === 'image' ? { ...n, params: { image: source } } : n)),
});

const embeddedGraph = (png: string) =>
  readGraphFromPng(new Uint8Array(readFileSync(png)), lookup, png).graph as unknown as {
    nodes: { id: string; params: Record<string, unknown> }[];
  };

describe('what a graph may read', () => {
  it('unconnected Load Image nodes read nothing: a secret, /dev/zero and a FIFO on them do not matter', async () => {
    const graph = {
      ...canny,
      nodes: [
        ...canny.nodes,
        imageLoad('stolen', '../secret/private-photo.png'),
        imageLoad('zero', '/dev/zero'),
        imageLoad('fifo', 'pipe.png'),
      ],
    };
    const out = tempDir('out');
    const started = Date.now();
    const { code, err } = await cli('run', writeGraph(graphs, 'unconnected.json', graph), '--out', out);
    expect(code, err).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    const png = join(out, 'canny.png');
    const bytes = readFileSync(png);
    expect(bytes.includes(SECRET_TEXT)).toBe(false);
    expect(bytes.includes(Buffer.from(SECRET_TEXT).toString('base64').slice(0, 24))).toBe(false);
    // The stranger's path stays a path; it is not turned into the file's bytes.
    const nodes = embeddedGraph(png).nodes;
    expect(nodes.find((n) => n.id === 'stolen')?.params.image).toBe('../secret/private-photo.png');
  });

  it('an image a graph names beside it is read but never embedded in the output', async () => {
    const out = tempDir('out');
    const { code, err } = await runInProcess(
      'run',
      writeGraph(graphs, 'holiday.json', cannyOn('holiday.png')),
      '--out',
      out,
    );
    expect(code, err).toBe(0);
    const png = join(out, 'canny.png');
    const photo = readFileSync(join(graphs, 'holiday.png'));
    expect(embeddedGraph(png).nodes.find((n) => n.id === 'image')?.params.image).toBe('holiday.png');
    const text = readFileSync(png).toString('latin1');
    expect(text).not.toContain('data:image');
    expect(text).not.toContain(photo.toString('base64').slice(0, 64));
  });

  it('an image the user gives with --input travels inside the output', async () => {
    const out = tempDir('out');
    const input = join(graphs, 'holiday.png');
    const { code } = await runInProcess(
      'run',
      writeGraph(graphs, 'given.json', canny),
      '--out',
      out,
      '--input',
      `image=${input}`,
    );
    expect(code).toBe(0);
    const image = embeddedGraph(join(out, 'canny.png')).nodes.find((n) => n.id === 'image')?.params.image;
    expect(String(image)).toMatch(/^data:image\/png;base64,/);
  });

  // Two cases through the worker (the policy crosses to it), the rest in this thread.
  it.each([
    ['a ../ path', '../secret/private-photo.png', /outside the folders this graph may read/, true],
    ['an absolute path', join(secret, 'private-photo.png'), /outside the folders this graph may read/, false],
    ['a symlink escaping the folder', 'link.png', /outside the folders this graph may read/, false],
    ['/etc/passwd', '/etc/passwd', /outside the folders this graph may read/, false],
    ['/dev/zero', '/dev/zero', /outside the folders|is a device/, false],
    ['a FIFO', 'pipe.png', /is a FIFO \(named pipe\); only regular files are read/, true],
    ['a folder', 'folder.png', /is a folder; only regular files are read/, false],
    ['a file: URL', 'file:///etc/passwd', /file: URLs are not read/, false],
  ])(
    'a connected Load Image naming %s fails naming the node, reads nothing, writes nothing',
    async (label, source, message, inWorker) => {
      const out = join(tempDir('out'), 'out');
      const path = writeGraph(graphs, `${label.replace(/\W+/g, '-')}.json`, cannyOn(source));
      const { code, err } = await (inWorker ? cli : runInProcess)('run', path, '--out', out);
      expect(code).toBe(1);
      expect(err).toMatch(/node "image" failed/);
      expect(err).toMatch(message);
      expect(err).not.toContain('root:x');
      expect(err).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    },
  );

  it('--allow-dir lets a graph read a folder of the user’s choosing', async () => {
    const out = tempDir('out');
    writeFileSync(join(secret, 'shared.png'), readFileSync(join(graphs, imageName)));
    const path = writeGraph(graphs, 'allowed.json', cannyOn('../secret/shared.png'));
    expect((await runInProcess('run', path, '--out', out)).code).toBe(1);
    const { code, err } = await runInProcess('run', path, '--out', out, '--allow-dir', secret);
    expect(code, err).toBe(0);
  });

  it('a path typed in --set for an image or folder param is allowed; one typed as prompt text is not', async () => {
    writeFileSync(join(secret, 'typed.png'), readFileSync(join(graphs, imageName)));
    const typed = join(secret, 'typed.png');
    const withPrompt = {
      ...cannyOn('../secret/typed.png'),
      nodes: [
        ...cannyOn('../secret/typed.png').nodes,
        { id: 'prompt', type: 'conditioning.clip_text_encode', typeVersion: 1, params: {} },
      ],
    };
    const path = writeGraph(graphs, 'typed.json', withPrompt);
    const asPrompt = await runInProcess(
      'run',
      path,
      '--out',
      tempDir('out'),
      '--set',
      `prompt.text=${secret}`,
    );
    expect(asPrompt.code).toBe(1);
    expect(asPrompt.err).toMatch(/outside the folders this graph may read/);
    const asImage = await runInProcess('run', path, '--out', tempDir('out'), '--set', `image.image=${typed}`);
    expect(asImage.code, asImage.err).toBe(0);
  });

  it('a graph from a PNG reads no local file by default, not even beside the PNG', async () => {
    const first = tempDir('out');
    expect((await runInProcess('run', writeGraph(graphs, 'from-png.json', canny), '--out', first)).code).toBe(
      0,
    );
    // The PNG's graph names images/red-circle-blue-square.png; put one beside the PNG.
    cannyIn(first);
    const second = tempDir('out');
    const refused = await runInProcess('run', join(first, 'canny.png'), '--out', second);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/no folders are allowed.*--allow-dir DIR/);
    expect(readdirSync(second)).toEqual([]);
    const given = await runInProcess(
      'run',
      join(first, 'canny.png'),
      '--out',
      second,
      '--input',
      `image=${join(graphs, imageName)}`,
    );
    expect(given.code, given.err).toBe(0);
  });

  it('a file that is not an image is reported without quoting its bytes', async () => {
    const { code, err } = await runInProcess(
      'run',
      writeGraph(graphs, 'passwd.json', canny),
      '--input',
      'image=/etc/passwd',
      '--out',
      tempDir('out'),
    );
    expect(code).toBe(1);
    expect(err).toMatch(/not a PNG or JPEG file \(\d+ bytes\)/);
    expect(err).not.toMatch(/root|72 6f 6f 74/);
  });
});

describe('what a graph may fetch', () => {
  let server: Server;
  let origin = '';
  const hits = new Map<string, number>();
  const png = readFileSync('public/examples/images/red-circle-blue-square.png');
  beforeAll(async () => {
    server = createServer((request, response) => {
      hits.set(request.url ?? '', (hits.get(request.url ?? '') ?? 0) + 1);
      if (request.url === '/silent.png') return;
      if (request.url === '/endless.png') {
        response.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          while (response.write(chunk)) {
            /* fill the socket */
          }
        };
        response.on('drain', pump);
        response.on('error', () => undefined);
        pump();
        return;
      }
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end(png);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('an origin the user did not allow is never contacted', async () => {
    hits.clear();
    const { code, err } = await runInProcess(
      'run',
      writeGraph(graphs, 'url.json', cannyOn(`${origin}/a.png`)),
      '--out',
      tempDir('out'),
    );
    expect(code).toBe(1);
    expect(err).toMatch(/is not an allowed origin, so .* is not fetched; .*--allow-origin URL/);
    expect(hits.size).toBe(0);
  });

  it('an allowed origin is fetched once per run', async () => {
    hits.clear();
    const out = tempDir('out');
    const path = writeGraph(graphs, 'url-ok.json', cannyOn(`${origin}/b.png`));
    const { code, err } = await cli('run', path, '--out', out, '--allow-origin', origin);
    expect(code, err).toBe(0);
    expect(hits.get('/b.png')).toBe(1);
  });

  it('a silent server times out (--fetch-timeout), an endless body stops at --max-file-mb', async () => {
    const silent = await runInProcess(
      'run',
      writeGraph(graphs, 'silent.json', cannyOn(`${origin}/silent.png`)),
      '--out',
      tempDir('out'),
      '--allow-origin',
      origin,
      '--fetch-timeout',
      '0.5',
    );
    expect(silent.code).toBe(1);
    expect(silent.err).toMatch(/sent nothing for 0\.5 s \(timed out\)/);
    const endless = await runInProcess(
      'run',
      writeGraph(graphs, 'endless.json', cannyOn(`${origin}/endless.png`)),
      '--out',
      tempDir('out'),
      '--allow-origin',
      origin,
      '--max-file-mb',
      '2',
    );
    expect(endless.code).toBe(1);
    expect(endless.err).toMatch(/larger than the 2\.0 MiB a fetch may be/);
  });
});
