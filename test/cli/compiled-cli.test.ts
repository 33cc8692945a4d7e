import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli';
import { main } from '../../src/cli/main';
import { captureIo } from './capture-io';

/**
 * The compiled CLI (scripts/build-cli.ts) behaves as the sources do: built here into a temporary
 * folder from the current sources and run as `npm ci` users run it (through its `main`).
 */
const run = promisify(execFile);
const CANNY = resolve('public/examples/canny.json');
let distDir: string;

/** Runs the compiled CLI's main in a new process, as bin/kosmograph.mjs does. */
function compiled(args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(process.execPath, [join(distDir, '..', 'start.mjs'), ...args], {
    env: { ...process.env, ...env },
  });
}

async function fromSources(args: string[]) {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  // Inside the checkout, so the packages left external resolve from its node_modules; four
  // folders deep, so no source's own path from the bundle (`../../../public`) lands by chance.
  mkdirSync('.tmp', { recursive: true });
  distDir = join(mkdtempSync(resolve('.tmp', 'build-cli-')), 'nested', 'dist-cli');
  await buildCli({ outDir: distDir });
  const loader = JSON.stringify(pathToFileURL(resolve('bin/compiled-build.mjs')).href);
  writeFileSync(
    join(distDir, '..', 'start.mjs'),
    [
      `import { runCompiled } from ${loader};`,
      "const cli = runCompiled(new URL('./dist-cli/cli.cjs', import.meta.url));",
      "process.stderr.write('code cache ' + cli.cache + '\\n');",
      'process.exitCode = await cli.exports.main(process.argv.slice(2));',
      'cli.saveCache();',
    ].join('\n'),
  );
});
afterAll(() => rmSync(resolve(distDir, '../..'), { recursive: true, force: true }));

describe('the compiled CLI', () => {
  it('lists the same nodes as the sources; the first start writes its code cache, the next one uses it', async () => {
    const first = await compiled(['nodes', '--json']);
    expect(first.stderr).toContain('code cache missing');
    expect(existsSync(join(distDir, 'cli.cjs.v8-cache'))).toBe(true);
    const { stdout, stderr } = await compiled(['nodes', '--json']);
    expect(stderr).toContain('code cache used');
    const source = await fromSources(['nodes', '--json']);
    expect(source.code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(source.out));
    expect(JSON.parse(first.stdout)).toEqual(JSON.parse(source.out));
  });

  it('finds the reference pack where the sources keep it (module locations point at the sources)', async () => {
    const { stdout } = await compiled(['models', 'inspect', 'reference']);
    expect(stdout.split('\n')[0]).toBe(resolve('public/packs/shapes-world'));
  });

  it('runs a job in its own compiled worker and writes the bytes the sources write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kosmograph-compiled-run-'));
    const { stdout, stderr } = await compiled(['run', CANNY, '--out', join(dir, 'compiled')], {
      KOSMOGRAPH_DEBUG_START: '1',
    });
    expect(stdout.trim()).toBe(join(dir, 'compiled', 'canny.png'));
    expect(stderr).toContain(`kosmograph start: engine worker ${join(distDir, 'engine-worker.mjs')}`);
    const source = await fromSources(['run', CANNY, '--out', join(dir, 'source')]);
    expect(source.code, source.err).toBe(0);
    expect(readFileSync(join(dir, 'compiled', 'canny.png'))).toEqual(
      readFileSync(join(dir, 'source', 'canny.png')),
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
