import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BuildStamp, checkCompiledBuild, STAMP_FILE, STAMP_VERSION } from '../../bin/compiled-build.mjs';
import { buildCliCommand } from '../../scripts/build-cli';

/** A tiny "checkout" (two sources in src/) and a dist folder stamped as built from them. */
function stampedCheckout() {
  const rootDir = mkdtempSync(join(tmpdir(), 'kosmograph-stamp-'));
  const distDir = join(rootDir, 'dist-cli');
  mkdirSync(join(rootDir, 'src'));
  mkdirSync(distDir);
  writeFileSync(join(rootDir, 'src/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(rootDir, 'src/b.ts'), 'export const b = 2;\n');
  writeFileSync(join(distDir, 'cli.mjs'), '');
  const file = (path: string) => {
    const s = statSync(join(rootDir, path));
    return [path, s.mtimeMs, s.size] as const;
  };
  const stamp: BuildStamp = {
    version: STAMP_VERSION,
    entries: { cli: 'cli.mjs' },
    files: [file('src/a.ts'), file('src/b.ts')],
    dirs: [['src', statSync(join(rootDir, 'src')).mtimeMs]],
  };
  writeFileSync(join(distDir, STAMP_FILE), JSON.stringify(stamp));
  return { rootDir, distDir, check: (entry = 'cli') => checkCompiledBuild(entry, { rootDir, distDir }) };
}

describe('the compiled CLI runs only while it matches the sources', () => {
  let checkout: ReturnType<typeof stampedCheckout>;
  const fromSource = process.env.KOSMOGRAPH_FROM_SOURCE;
  beforeEach(() => {
    delete process.env.KOSMOGRAPH_FROM_SOURCE;
    checkout = stampedCheckout();
  });
  afterEach(() => {
    if (fromSource === undefined) delete process.env.KOSMOGRAPH_FROM_SOURCE;
    else process.env.KOSMOGRAPH_FROM_SOURCE = fromSource;
    rmSync(checkout.rootDir, { recursive: true, force: true });
  });

  it('an unchanged checkout runs the compiled entry', () => {
    expect(checkout.check()).toEqual({ fresh: true, file: join(checkout.distDir, 'cli.mjs') });
  });

  it('an edited source (new size) runs the sources, naming the file', () => {
    writeFileSync(join(checkout.rootDir, 'src/b.ts'), 'export const b = 22;\n');
    expect(checkout.check()).toEqual({ fresh: false, reason: 'src/b.ts changed since the build' });
  });

  it('a source saved with the same size but a new mtime runs the sources', () => {
    const path = join(checkout.rootDir, 'src/a.ts');
    const { mtime } = statSync(path);
    utimesSync(path, mtime, new Date(mtime.getTime() + 1000));
    expect(checkout.check()).toEqual({ fresh: false, reason: 'src/a.ts changed since the build' });
  });

  it('a deleted source runs the sources', () => {
    rmSync(join(checkout.rootDir, 'src/a.ts'));
    expect(checkout.check()).toMatchObject({ fresh: false, reason: 'src/a.ts changed since the build' });
  });

  it('a file added next to the sources (it could change what an import resolves to) runs the sources', () => {
    const dir = join(checkout.rootDir, 'src');
    const { mtime } = statSync(dir);
    writeFileSync(join(dir, 'a.tsx'), '');
    utimesSync(dir, mtime, new Date(mtime.getTime() + 1000)); // coarse-mtime file systems
    expect(checkout.check()).toEqual({ fresh: false, reason: 'files were added to or removed from src/' });
  });

  it('no build, another stamp version or an entry the build lacks runs the sources', () => {
    expect(checkout.check('engine-worker')).toMatchObject({ fresh: false });
    writeFileSync(join(checkout.distDir, STAMP_FILE), JSON.stringify({ version: STAMP_VERSION + 1 }));
    expect(checkout.check()).toMatchObject({
      fresh: false,
      reason: expect.stringMatching(/another build version/),
    });
    rmSync(join(checkout.distDir, STAMP_FILE));
    expect(checkout.check()).toMatchObject({
      fresh: false,
      reason: expect.stringMatching(/npm run build:cli/),
    });
  });

  it('KOSMOGRAPH_FROM_SOURCE=1 runs the sources even when the build is fresh', () => {
    process.env.KOSMOGRAPH_FROM_SOURCE = '1';
    expect(checkout.check()).toEqual({ fresh: false, reason: 'KOSMOGRAPH_FROM_SOURCE=1' });
  });
});

describe('npm run build:cli', () => {
  it("fails on a broken build, but as npm ci's prepare hook only warns (the CLI still runs from the sources)", async () => {
    const rootDir = mkdtempSync(join(tmpdir(), 'kosmograph-no-sources-'));
    const outDir = join(rootDir, 'dist-cli');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(await buildCliCommand(['--root', rootDir, '--out', outDir])).toBe(1);
      expect(errors.mock.calls.join('\n')).toMatch(/build:cli failed: [\s\S]*src\/cli\/main\.ts/);
      expect(await buildCliCommand(['--root', rootDir, '--out', outDir, '--prepare'])).toBe(0);
      expect(warnings.mock.calls.join('\n')).toMatch(/not built [\s\S]*runs from the sources/);
      expect(existsSync(outDir)).toBe(false); // nothing half-written
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
      rmSync(rootDir, { recursive: true, force: true });
    }
  });
});
