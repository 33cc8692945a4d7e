import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordResults } from '../../bench/results-file';

describe('recordResults', () => {
  const fresh = () => join(mkdtempSync(join(tmpdir(), 'kosmograph-results-')), 'results.json');

  it('creates the file, then replaces only its own key', async () => {
    const path = fresh();
    await recordResults('headless', [{ name: 'a', ratio: 1 }], path);
    await recordResults('peer', { rows: [1, 2] }, path);
    await recordResults('headless', [{ name: 'b', ratio: 2 }], path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      headless: [{ name: 'b', ratio: 2 }],
      peer: { rows: [1, 2] },
    });
    expect(readdirSync(join(path, '..'))).toEqual(['results.json']); // no temporary file left
  });

  it('keeps every key when several benchmarks record at once', async () => {
    const path = fresh();
    await Promise.all(Array.from({ length: 12 }, (_, i) => recordResults(`bench${i}`, [i], path)));
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(saved).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `bench${i}`).sort());
    expect(readdirSync(join(path, '..'))).toEqual(['results.json']); // lock and temporary files gone
  });

  it('refuses to overwrite a file that is not a results object', async () => {
    const path = fresh();
    writeFileSync(path, '[1, 2');
    await expect(recordResults('headless', [], path)).rejects.toThrow(/results\.json is not JSON/);
    writeFileSync(path, '[1, 2]');
    await expect(recordResults('headless', [], path)).rejects.toThrow(/one object keyed/);
    expect(readFileSync(path, 'utf8')).toBe('[1, 2]');
  });
});
