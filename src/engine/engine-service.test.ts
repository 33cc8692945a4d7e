import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import type { PackLoadProgress } from '../runtime/host-types';
import { memoryModelStore } from '../runtime/models/model-store';
import { SessionPool } from '../runtime/ort/session-pool';
import type { RuntimeServices } from '../runtime/services';
import type { PackFile } from './engine-api';
import { createEngineService } from './engine-service';

const OPTIMUM = resolve('test/fixtures/sd15/optimum');

function picked(dir: string, name: string): PackFile[] {
  const out: PackFile[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else
        out.push({
          path: `${name}/${relative(dir, path)}`,
          data: new Blob([readFileSync(path)]),
          lastModified: info.mtimeMs,
        });
    }
  };
  walk(dir);
  return out;
}

function service() {
  const store = memoryModelStore();
  const pool = new SessionPool(
    { name: 'wasm', createSession: async () => Promise.reject(new Error('no sessions here')) },
    1024,
  );
  const engine = createEngineService(
    createNodeRegistry() as never,
    {
      models: { pool, openPack: async (source) => Promise.reject(new Error(`no source ${source}`)) },
      readSource: async () => new Uint8Array(0),
      modelStore: store,
    } satisfies RuntimeServices & { modelStore: unknown },
    () => ({ backend: 'wasm' }),
  );
  return { engine, store };
}

describe('loadPackFiles: a picked model folder', () => {
  it('recognises a checkpoint, says what it found, and remembers its hashes', async () => {
    const { engine, store } = service();
    const progress: PackLoadProgress[] = [];
    const info = await engine.loadPackFiles('optimum', picked(OPTIMUM, 'optimum'), (p) => progress.push(p));
    expect(info).toMatchObject({
      source: 'folder:optimum',
      name: 'optimum',
      kind: 'optimum-onnx',
      layout: "Stable Diffusion ONNX, optimum's layout (model_index.json, model.onnx_data)",
      components: ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'],
      controlnets: [],
      loras: [],
    });
    expect(progress.at(-1)).toMatchObject({ done: 7, total: 7 });
    // The hashes are remembered in the host's store: opening it again hashes nothing.
    const remembered = await store.recall('picked:optimum/unet/model.onnx_data');
    expect(remembered?.size).toBe(statSync(join(OPTIMUM, 'unet/model.onnx_data')).size);
  });

  it('fails on an unknown folder with what was expected', async () => {
    const { engine } = service();
    await expect(
      engine.loadPackFiles('photos', [{ path: 'photos/a.png', data: new Blob([new Uint8Array(3)]) }]),
    ).rejects.toThrow(
      /^photos: not a model folder kosmograph knows: expected a kosmograph pack \(manifest\.json\), or a Stable Diffusion ONNX export/,
    );
  });
});
