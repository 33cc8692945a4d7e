/**
 * What the CLI prints for hostile graphs (issue 14): one line per error, control characters
 * escaped, clear errors instead of stack traces, and `--limit` changing a budget.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureIo } from '../../test/cli/capture-io';
import { LIMITS_ENV } from '../core/limits';
import { main } from './main';

const dir = mkdtempSync(join(tmpdir(), 'kosmograph-plain-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

afterEach(() => {
  delete process.env[LIMITS_ENV];
});

const graph = (nodes: unknown[], edges: unknown[] = []) =>
  JSON.stringify({ format: 'kosmograph.graph', version: 1, nodes, edges });

describe('CLI output for hostile graphs', () => {
  it('escapes newlines and ANSI escapes from type, param and port names: one error per line', async () => {
    const evil = 'x\nerror: forged line\x1b[31m';
    const path = file(
      'evil.json',
      graph(
        [
          { id: 'a', type: evil, typeVersion: 1, params: {} },
          { id: 'save', type: 'image.save', typeVersion: 1, params: { [evil]: 1 } },
        ],
        [{ from: { node: 'a', port: evil }, to: { node: 'save', port: evil } }],
      ),
    );
    const io = captureIo();
    expect(await main(['validate', path], io)).toBe(2);
    const lines = io.err().trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^(error|warning): /);
    expect(io.err()).not.toContain('\x1b');
    expect(io.err()).not.toMatch(/^error: forged line/m);
    expect(io.err()).toContain('x\\nerror: forged line\\x1b[31m');
  });

  it('a graph file nested 10k deep is one clear error, no stack trace', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const text = graph([{ id: 'a', type: 'image.save', typeVersion: 1, params: { p: 'DEEP' } }]);
    const path = file('deep.json', text.replace('"DEEP"', deep));
    const io = captureIo();
    expect(await main(['validate', path], io)).toBe(2);
    expect(io.err()).toMatch(/^error: .*deep\.json: the graph's JSON is nested more than 64 levels deep/);
    expect(io.err().trimEnd().split('\n')).toHaveLength(1);
  });

  it('import-comfy: a 200-character class_type converts; a deep file is a clear error', async () => {
    const long = file('long.json', JSON.stringify({ '1': { class_type: 'K'.repeat(200), inputs: {} } }));
    const io = captureIo();
    expect(await main(['import-comfy', long], io)).toBe(0);
    expect(io.err()).not.toMatch(/internal error/);
    const deep = file(
      'deep-comfy.json',
      `{"1":{"class_type":"X","inputs":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}}`,
    );
    const io2 = captureIo();
    expect(await main(['import-comfy', deep], io2)).toBe(2);
    expect(io2.err()).toMatch(/^error: .*nested more than 64 levels deep/);
  });

  it('--limit changes a budget; a bad --limit is a usage error', async () => {
    const path = file(
      'denoise.json',
      graph([{ id: 's', type: 'sampling.sampler', typeVersion: 1, params: { steps: 150, denoise: 0.01 } }]),
    );
    const io = captureIo();
    expect(await main(['validate', path], io)).toBe(2);
    expect(io.err()).toMatch(
      /error: node "s" param "denoise": steps 150 at denoise 0.01 make a schedule of 15000 steps, more than the 10000 allowed/,
    );
    const raised = captureIo();
    await main(['validate', path, '--limit', 'sampler-steps=20000'], raised);
    expect(raised.err()).not.toMatch(/schedule of/);
    const bad = captureIo();
    expect(await main(['validate', path, '--limit', 'pixels=5'], bad)).toBe(2);
    expect(bad.err()).toMatch(/^error: --limit: unknown limit "pixels" \(limits: image-pixels, /);
  });
});
