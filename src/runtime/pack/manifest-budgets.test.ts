/** Sizes a pack manifest declares are budgeted when the pack opens (issue 14: a 30000^2 shape). */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadManifest, PackError } from './manifest';

const REFERENCE_PACK_DIR = resolve(import.meta.dirname, '../../../public/packs/shapes-world');
const manifest = () => JSON.parse(readFileSync(join(REFERENCE_PACK_DIR, 'manifest.json'), 'utf8'));

describe('manifest sizes', () => {
  it('accepts the reference pack', () => {
    expect(loadManifest(manifest(), 'manifest.json').name).toBeTruthy();
  });

  it('refuses a 30000 x 30000 interface shape, naming the field and the limit', () => {
    const m = manifest();
    const name = Object.keys(m.components.controlnet)[0]!;
    const cond = m.components.controlnet[name].inputs.find(
      (i: { name: string }) => i.name === 'controlnet_cond',
    );
    cond.shape = [1, 3, 30000, 30000];
    expect(() => loadManifest(m, 'manifest.json')).toThrow(PackError);
    expect(() => loadManifest(m, 'manifest.json')).toThrow(
      new RegExp(
        `^manifest\\.json: components\\.controlnet\\.${name}\\.inputs\\.\\d+ \\(controlnet_cond\\) declares \\[1, 3, 30000, 30000\\] = 2700000000 values, more than the 268435456 allowed \\(limit tensor-elements`,
      ),
    );
  });

  it('refuses constants that size allocations past the budget', () => {
    const m = manifest();
    m.constants.imageSize = 30000;
    expect(() => loadManifest(m, 'manifest.json')).toThrow(
      /constants\.imageSize declares \[3, 30000, 30000\]/,
    );
  });
});
