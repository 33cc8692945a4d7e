import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import type { PackFile } from '../../src/engine/engine-api';
import { createEngineService } from '../../src/engine/engine-service';
import { REFERENCE_PACK_DIR } from '../../src/runtime/node/node-model-services';
import { createNodeRuntime } from '../../src/runtime/node/node-runtime';
import { classifyImage } from '../pack/world-classifier';
import { EXAMPLES_DIR, loadExample, registry, savedImage, withParams } from './run-example';

function pickedFolder(dir: string, name: string): PackFile[] {
  const out: PackFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ path: `${name}/${relative(dir, path)}`, data: new Blob([readFileSync(path)]) });
    }
  };
  walk(dir);
  return out;
}

describe('a pack opened from picked files (the editor folder picker)', () => {
  it('is verified, then Model Pack nodes use it as folder:<name>', async () => {
    const runtime = await createNodeRuntime('cpu', EXAMPLES_DIR, { ensureReferencePack });
    const engine = createEngineService(registry, runtime.services, () => ({ backend: 'cpu' }));
    const info = await engine.loadPackFiles('my-pack', pickedFolder(REFERENCE_PACK_DIR, 'my-pack'));
    expect(info).toMatchObject({
      source: 'folder:my-pack',
      name: 'shapes-world',
      controlnets: ['canny'],
      loras: ['pastel'],
    });
    const graph = withParams(loadExample('subject-driven'), { 'pack.pack': info.source });
    const result = await engine.run(graph, { jobId: 'folder-1' }, () => undefined);
    expect(result.status, result.error?.message).toBe('done');
    expect(classifyImage(savedImage(result).image).entities.map((e) => e.shape)).toEqual(['square']);
  });

  it('a folder not opened in this engine fails naming the node and what to do', async () => {
    const runtime = await createNodeRuntime('cpu', EXAMPLES_DIR, { ensureReferencePack });
    const engine = createEngineService(registry, runtime.services, () => ({ backend: 'cpu' }));
    const result = await engine.run(
      withParams(loadExample('subject-driven'), { 'pack.pack': 'folder:gone' }),
      { jobId: 'f2' },
      () => undefined,
    );
    expect(result.error?.nodeId).toBe('pack');
    expect(result.error?.message).toMatch(/folder pack "gone" is not open here: open the folder again/);
  });
});
