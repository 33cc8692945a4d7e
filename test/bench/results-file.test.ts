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

  it('refuses to overwrite a file that is not a results object', async () => {
    const path = fresh();
    writeFileSync(path, '[1, 2');
    await expect(recordResults('headless', [], path)).rejects.toThrow(/results\.json is not JSON/);
    writeFileSync(path, '[1, 2]');
    await expect(recordResults('headless', [], path)).rejects.toThrow(/one object keyed/);
    expect(readFileSync(path, 'utf8')).toBe('[1, 2]');
  });
});
