/**
 * Generates the reference pack only when it is missing or was written by another generator
 * version. Safe to call from start/test/CLI paths.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_PACK_DIR, GENERATOR_VERSION, generateReferencePack } from './generate';

export async function ensureReferencePack(
  dir: string = DEFAULT_PACK_DIR,
): Promise<{ dir: string; generated: boolean }> {
  const target = resolve(dir);
  try {
    const manifest = JSON.parse(await readFile(join(target, 'manifest.json'), 'utf8')) as {
      generatorVersion?: unknown;
    };
    if (manifest.generatorVersion === GENERATOR_VERSION) return { dir: target, generated: false };
  } catch {
    // missing or unreadable: (re)generate
  }
  await generateReferencePack(target);
  return { dir: target, generated: true };
}
