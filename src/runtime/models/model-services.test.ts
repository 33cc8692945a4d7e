import { describe, expect, it } from 'vitest';
import type { ModelSession, ModelSource, OrtBackend } from '../ort/model-session';
import { SessionPool } from '../ort/session-pool';
import type { OnnxComponent } from '../pack/manifest';
import { withSession } from './model-services';
import type { ModelSet } from './model-set';
import type { PackHandle } from './pack-handle';

function recordingServices() {
  const loaded: ModelSource[] = [];
  const backend: OrtBackend = {
    name: 'cpu',
    async createSession(model, label) {
      loaded.push(model);
      const session: ModelSession = {
        label,
        inputs: [],
        outputs: [],
        run: async () => ({}),
        release: async () => {},
      };
      return session;
    },
  };
  return {
    loaded,
    services: { pool: new SessionPool(backend, 1e9), openPack: () => Promise.reject(new Error('unused')) },
  };
}

const files: Record<string, Uint8Array> = {
  'unet/model.onnx': Uint8Array.of(1),
  'unet/weights.bin': Uint8Array.of(2, 3),
};
const pack: PackHandle = {
  source: '/packs/big',
  id: 'id',
  models: { name: 'big' } as ModelSet,
  readFile: async (file) => files[file] ?? Promise.reject(new Error(`no ${file}`)),
  localPath: (file) => `/packs/big/${file}`,
};
const component = (externalData?: OnnxComponent['externalData']): OnnxComponent => ({
  file: 'unet/model.onnx',
  sha256: 'a'.repeat(64),
  inputs: [],
  outputs: [],
  ...(externalData ? { externalData } : {}),
});

describe('withSession', () => {
  it('passes external data by its location relative to the model folder, and the model path', async () => {
    const { loaded, services } = recordingServices();
    await withSession(
      services,
      { pack, name: 'unet', component: component([{ file: 'unet/weights.bin', sha256: 'b'.repeat(64) }]) },
      async () => 0,
    );
    expect(loaded[0]).toEqual({
      bytes: files['unet/model.onnx'],
      externalData: [{ path: 'weights.bin', data: files['unet/weights.bin'] }],
      filePath: '/packs/big/unet/model.onnx',
    });
  });

  it('loads a model once for repeated uses, and again for another variant', async () => {
    const { loaded, services } = recordingServices();
    const request = { pack, name: 'unet', component: component() };
    await withSession(services, request, async () => 0);
    await withSession(services, request, async () => 0);
    await withSession(
      services,
      { ...request, variant: 'lora@1', transform: async (b: Uint8Array) => Uint8Array.of(...b, 9) },
      async () => 0,
    );
    expect(loaded.map((m) => Array.from(m.bytes ?? []))).toEqual([[1], [1, 9]]);
  });

  it('hands a transform of an external-data model ranges of its files, never a whole file, on a file-opening backend', async () => {
    const { services, loaded } = recordingServices();
    const opensFiles: OrtBackend = { ...services.pool.backend, opensFiles: true };
    const onDisk = { pool: new SessionPool(opensFiles, 1e9), openPack: services.openPack };
    const ranges: string[] = [];
    const ranged: PackHandle = {
      ...pack,
      readRange: async (file, offset, length) => {
        ranges.push(`${file}@${offset}+${length}`);
        return files[file]!.slice(offset, offset + length);
      },
      fileSize: (file) => files[file]?.byteLength,
      readFile: async (file) => {
        if (file !== 'unet/model.onnx') throw new Error(`read whole: ${file}`);
        return files[file]!;
      },
    };
    const request = {
      pack: ranged,
      name: 'unet',
      component: component([{ file: 'unet/weights.bin', sha256: 'b'.repeat(64) }]),
      variant: 'lora',
      transform: async (b: Uint8Array, external?: (l: string, o: number, n: number) => Promise<Uint8Array>) =>
        Uint8Array.of(...b, ...(await external!('weights.bin', 1, 1))),
    };
    await withSession(onDisk, request, async () => 0);
    expect(ranges).toEqual(['unet/weights.bin@1+1']);
    expect(Array.from(loaded[0]!.bytes!)).toEqual([1, 3]);
    expect(loaded[0]!.externalDataFolder).toBe('/packs/big/unet');
    await expect(
      withSession(
        onDisk,
        {
          ...request,
          variant: 'other',
          transform: async (b, external) => external!('../secret', 0, 1).then(() => b),
        },
        async () => 0,
      ),
    ).rejects.toThrow(/not one of its files/);
  });
});
