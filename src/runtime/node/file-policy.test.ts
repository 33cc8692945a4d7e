import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFilePolicy, trustedFilePolicy } from './file-policy';
import { isInside, originAllowed, originOf, pathAllowed } from './file-policy-rules';

describe('policy rules (pure)', () => {
  it('a path is inside a root only below it, never by a shared name prefix', () => {
    expect(isInside('/a/b/c.png', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/bc/x.png', '/a/b')).toBe(false);
    expect(isInside('/a/x.png', '/a/b')).toBe(false);
    expect(pathAllowed('/etc/passwd', ['/home/u/graphs'], [])).toBe(false);
    expect(pathAllowed('/tmp/in.png', [], ['/tmp/in.png'])).toBe(true);
    expect(pathAllowed('/tmp/other.png', [], ['/tmp/in.png'])).toBe(false);
  });

  it('origins: http(s) only, compared by scheme, host and port', () => {
    expect(originOf('https://Example.com/a/b?c')).toBe('https://example.com');
    expect(() => originOf('file:///etc/passwd')).toThrow(/only http and https/);
    expect(originAllowed('https://example.com/x.png', ['https://example.com'])).toBe(true);
    expect(originAllowed('http://example.com/x.png', ['https://example.com'])).toBe(false);
    expect(originAllowed('https://example.com:8443/x', ['https://example.com'])).toBe(false);
    expect(originAllowed('https://evil.example/x', '*')).toBe(true);
  });
});

describe('local files under a policy', () => {
  const base = mkdtempSync(join(tmpdir(), 'kg-policy-'));
  const graphDir = join(base, 'graphs');
  const secretDir = join(base, 'secret');
  mkdirSync(graphDir);
  mkdirSync(secretDir);
  writeFileSync(join(graphDir, 'ok.png'), 'fine');
  writeFileSync(join(secretDir, 'private-photo.png'), 'root:x:0:0 private');
  symlinkSync(join(secretDir, 'private-photo.png'), join(graphDir, 'link.png'));
  symlinkSync('/dev/zero', join(graphDir, 'zero.png'));
  execFileSync('mkfifo', [join(graphDir, 'pipe.png')]);
  mkdirSync(join(graphDir, 'folder.png'));
  writeFileSync(join(graphDir, 'big.png'), new Uint8Array(2048));
  const policy = createFilePolicy({
    roots: [graphDir],
    origins: [],
    maxFileBytes: 1024,
    hint: 'use --allow-dir',
  });
  const read = (source: string) => policy.readSource(source, graphDir, new AbortController().signal);

  it('reads a file in the graph folder', async () => {
    expect(new TextDecoder().decode(await read('ok.png'))).toBe('fine');
  });

  it.each([
    ['a ../ path', '../secret/private-photo.png'],
    ['an absolute path', join(secretDir, 'private-photo.png')],
    ['a symlink escaping the folder', 'link.png'],
    ['/etc/passwd', '/etc/passwd'],
  ])('refuses %s, naming it and how to allow more, never quoting contents', async (_label, source) => {
    const error = await read(source).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/outside the folders this graph may read/);
    expect(error?.message).toMatch(/use --allow-dir/);
    expect(error?.message).not.toMatch(/root:x|private$/);
  });

  it('names a link as a link, with where it leads', async () => {
    await expect(read('link.png')).rejects.toThrow(
      `${join(graphDir, 'link.png')} (a link to ${join(secretDir, 'private-photo.png')}) is outside`,
    );
  });

  it('refuses devices, FIFOs (without hanging) and folders', async () => {
    const trusted = trustedFilePolicy();
    const signal = new AbortController().signal;
    await expect(trusted.readSource('/dev/zero', '/', signal)).rejects.toThrow(
      /is a device; only regular files/,
    );
    await expect(read('zero.png')).rejects.toThrow(/outside the folders/); // the link leaves the folder
    await expect(trusted.readSource(join(graphDir, 'zero.png'), '/', signal)).rejects.toThrow(/a device/);
    await expect(read('pipe.png')).rejects.toThrow(/a FIFO \(named pipe\); only regular files/);
    await expect(read('folder.png')).rejects.toThrow(/is a folder; only regular files/);
  });

  it('refuses a file over the size cap before reading it', async () => {
    await expect(read('big.png')).rejects.toThrow(
      /big\.png is 2048 bytes, larger than the 1024 bytes a file may be/,
    );
  });

  it('refuses other URL schemes and a graph folder it was not given', async () => {
    await expect(read('file:///etc/passwd')).rejects.toThrow(/file: URLs are not read/);
    const none = createFilePolicy({ roots: [], origins: [] });
    await expect(none.readSource('ok.png', graphDir, new AbortController().signal)).rejects.toThrow(
      /no folders are allowed/,
    );
  });

  it('allows single files given by the user, and nothing beside them', async () => {
    const only = createFilePolicy({ roots: [], files: [join(secretDir, 'private-photo.png')], origins: [] });
    const signal = new AbortController().signal;
    expect((await only.readSource(join(secretDir, 'private-photo.png'), '/', signal)).length).toBeGreaterThan(
      0,
    );
    await expect(only.readSource(join(graphDir, 'ok.png'), '/', signal)).rejects.toThrow(/outside/);
  });
});

describe('URLs under a policy', () => {
  let server: Server;
  let origin = '';
  let hits = 0;
  beforeAll(async () => {
    server = createServer((request, response) => {
      hits += 1;
      if (request.url === '/silent') return; // never answers
      if (request.url === '/endless') {
        response.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024);
        const pump = () => {
          while (response.write(chunk)) {
            /* fill the buffer */
          }
        };
        response.on('drain', pump);
        pump();
        return;
      }
      if (request.url === '/away') {
        response.writeHead(302, { location: 'http://localhost:1/elsewhere.png' });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end('png bytes');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const policy = () =>
    createFilePolicy({ roots: [], origins: [origin], maxFetchBytes: 1024 * 1024, fetchTimeoutMs: 300 });

  it('fetches an allowed URL once per job, however often the job reads it', async () => {
    const p = policy();
    const signal = new AbortController().signal;
    hits = 0;
    const [a, b] = [
      await p.readSource(`${origin}/x.png`, '/', signal),
      await p.readSource(`${origin}/x.png`, '/', signal),
    ];
    expect(new TextDecoder().decode(a)).toBe('png bytes');
    expect(b).toBe(a);
    expect(hits).toBe(1);
    await p.readSource(`${origin}/x.png`, '/', new AbortController().signal); // another job
    expect(hits).toBe(2);
  });

  it('refuses an origin not allowed, and a redirect to one, before sending anything there', async () => {
    hits = 0;
    await expect(
      createFilePolicy({ roots: [], origins: [] }).readSource(
        `${origin}/x.png`,
        '/',
        new AbortController().signal,
      ),
    ).rejects.toThrow(/is not an allowed origin/);
    expect(hits).toBe(0);
    await expect(policy().readSource(`${origin}/away`, '/', new AbortController().signal)).rejects.toThrow(
      /http:\/\/localhost:1 is not an allowed origin/,
    );
  });

  it('stops an endless body at the size cap', async () => {
    await expect(policy().readSource(`${origin}/endless`, '/', new AbortController().signal)).rejects.toThrow(
      /larger than the 1\.0 MiB a fetch may be/,
    );
  });

  it('times out a silent server', async () => {
    const started = Date.now();
    await expect(policy().readSource(`${origin}/silent`, '/', new AbortController().signal)).rejects.toThrow(
      /sent nothing for 0\.3 s \(timed out\)/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a cancelled read rejects with the abort, not a fetch error', async () => {
    const controller = new AbortController();
    const read = createFilePolicy({ roots: [], origins: [origin], fetchTimeoutMs: 10_000 }).readSource(
      `${origin}/silent`,
      '/',
      controller.signal,
    );
    setTimeout(() => controller.abort(new DOMException('stop', 'AbortError')), 50);
    await expect(read).rejects.toMatchObject({ name: 'AbortError' });
  });
});
