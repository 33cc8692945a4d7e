import { describe, expect, it } from 'vitest';
import { withSession } from '../models/model-services';
import type { PackHandle } from '../models/pack-handle';
import type { ModelSource, OrtBackend } from '../ort/model-session';
import { SessionPool } from '../ort/session-pool';
import {
  checkModelFits,
  limitedBackend,
  type OrtWebModule,
  selectBrowserBackend,
  softwareAdapterName,
  WASM_MODEL_LIMITS,
  WEBGPU_MODEL_LIMITS,
} from './browser-backend';

function fakeOrt() {
  const env = { wasm: {}, webgpu: { device: Promise.resolve<unknown>(undefined) } } as OrtWebModule['env'];
  return {
    env,
    InferenceSession: { create: async () => Promise.reject(new Error('not in this test')) },
    Tensor: class {},
  } as unknown as OrtWebModule;
}

describe('selectBrowserBackend', () => {
  it('falls back to wasm when there is no navigator.gpu, and says why', async () => {
    const ort = fakeOrt();
    const chosen = await selectBrowserBackend(ort, { choice: 'webgpu', wasmPaths: '/ort/', gpu: undefined });
    expect(chosen.name).toBe('wasm');
    expect(chosen.fallbackReason).toMatch(/navigator\.gpu is missing/);
    expect(ort.env.wasm.wasmPaths).toBe('/ort/');
  });

  it('falls back to wasm when requestAdapter() gives nothing', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const chosen = await selectBrowserBackend(fakeOrt(), { choice: 'auto', wasmPaths: '/ort/', gpu });
    expect(chosen.name).toBe('wasm');
    expect(chosen.fallbackReason).toMatch(/no WebGPU adapter/);
  });

  it('uses wasm without a fallback reason when wasm is asked for', async () => {
    const chosen = await selectBrowserBackend(fakeOrt(), { choice: 'wasm', wasmPaths: '/ort/' });
    expect(chosen).toMatchObject({ name: 'wasm' });
    expect(chosen.fallbackReason).toBeUndefined();
  });

  it('hands one device to ONNX Runtime and reports its loss', async () => {
    let lose: (info: { reason: string; message: string }) => void = () => undefined;
    const device = { lost: new Promise((resolve) => (lose = resolve)) } as unknown as GPUDevice;
    const adapter = {
      limits: { maxBufferSize: 1024 },
      features: new Set(['shader-f16']),
      requestDevice: async () => device,
    };
    const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
    const ort = fakeOrt();
    const lost: string[] = [];
    const chosen = await selectBrowserBackend(ort, {
      choice: 'webgpu',
      wasmPaths: '/ort/',
      gpu,
      onDeviceLost: (m) => lost.push(m),
    });
    expect(chosen.name).toBe('webgpu');
    expect(chosen.device).toBe(device);
    expect(ort.env.webgpu.device).toBe(device);
    lose({ reason: 'unknown', message: 'gpu reset' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(lost).toEqual(['the WebGPU device was lost: gpu reset']);
  });
});

describe('auto on a software WebGPU adapter', () => {
  /** An adapter as Chromium describes SwiftShader (adapter.info), counting device requests. */
  function swiftShader() {
    const requests: unknown[] = [];
    const device = { lost: new Promise(() => undefined) } as unknown as GPUDevice;
    const adapter = {
      info: {
        vendor: 'google',
        architecture: 'swiftshader',
        device: '',
        description: '',
        isFallbackAdapter: true,
      },
      limits: { maxBufferSize: 1024 },
      features: new Set<string>(),
      requestDevice: async (descriptor: unknown) => {
        requests.push(descriptor);
        return device;
      },
    };
    return { gpu: { requestAdapter: async () => adapter } as unknown as GPU, requests };
  }

  it('takes wasm and says why, without asking for a device', async () => {
    const { gpu, requests } = swiftShader();
    const chosen = await selectBrowserBackend(fakeOrt(), { choice: 'auto', wasmPaths: '/ort/', gpu });
    expect(chosen.name).toBe('wasm');
    expect(chosen.fallbackReason).toBe('WebGPU adapter is a software fallback (SwiftShader)');
    expect(requests).toHaveLength(0);
  });

  it('an explicit webgpu choice still uses it', async () => {
    const { gpu, requests } = swiftShader();
    const chosen = await selectBrowserBackend(fakeOrt(), { choice: 'webgpu', wasmPaths: '/ort/', gpu });
    expect(chosen.name).toBe('webgpu');
    expect(chosen.fallbackReason).toBeUndefined();
    expect(requests).toHaveLength(1);
  });

  it('knows software renderers by the fallback flag or by name, and real GPUs as none', () => {
    expect(softwareAdapterName({ info: { vendor: 'google', architecture: 'swiftshader' } })).toBe(
      'SwiftShader',
    );
    expect(
      softwareAdapterName({ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }),
    ).toBe('lavapipe');
    expect(softwareAdapterName({ info: { description: 'Microsoft Basic Render Driver' } })).toBe('WARP');
    expect(softwareAdapterName({ isFallbackAdapter: true, info: { vendor: 'acme' } })).toBe('software');
    expect(
      softwareAdapterName({ info: { vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false } }),
    ).toBe(undefined);
    expect(softwareAdapterName({})).toBeUndefined();
  });
});

describe('browser model size limits', () => {
  const GiB = 1024 ** 3;
  const unet = 'unet (unet/model.onnx) of sd15';

  it('refuses a model over the wasm limit, naming the file, its size and the limit, and recommends fp16', () => {
    const fp32 = [
      { file: 'unet/model.onnx', bytes: 1_100_000 },
      { file: 'unet/model.onnx_data', bytes: 3_438_460_928 },
    ];
    expect(() => checkModelFits(fp32, unet, WASM_MODEL_LIMITS)).toThrow(
      /cannot load unet \(unet\/model\.onnx\) of sd15 on wasm: unet\/model\.onnx_data is 3\.44 GB \(3,438,460,928 bytes\), over the limit of 2 GiB per file .*fp16 export/,
    );
    // Two files under the per-file limit but over the total.
    const split = [
      { file: 'unet/model.onnx', bytes: 1.2 * GiB },
      { file: 'unet/weights.pb', bytes: 1.2 * GiB },
    ];
    expect(() => checkModelFits(split, unet, WASM_MODEL_LIMITS)).toThrow(
      /unet\/model\.onnx \+ unet\/weights\.pb are 2\.58 GB .*over the limit of 2 GiB per model .*fp16/,
    );
    // The fp16 export fits.
    const fp16 = [
      { file: 'unet/model.onnx', bytes: 1_100_000 },
      { file: 'unet/model.onnx_data', bytes: 1_719_000_000 },
    ];
    expect(() => checkModelFits(fp16, unet, WASM_MODEL_LIMITS)).not.toThrow();
    expect(() => checkModelFits(fp16, unet, WEBGPU_MODEL_LIMITS)).not.toThrow();
  });

  it('on WebGPU refuses a file over 2 GiB and a model over 4 GiB', () => {
    expect(() =>
      checkModelFits([{ file: 'unet/model.onnx_data', bytes: 3.2 * GiB }], unet, WEBGPU_MODEL_LIMITS),
    ).toThrow(/on webgpu: unet\/model\.onnx_data is 3\.44 GB .*over the limit of 2 GiB per file/);
    const parts = [1.5, 1.5, 1.5].map((g, i) => ({ file: `unet/part${i}`, bytes: g * GiB }));
    expect(() => checkModelFits(parts, unet, WEBGPU_MODEL_LIMITS)).toThrow(
      /over the limit of 4 GiB per model/,
    );
    expect(() => checkModelFits(parts.slice(0, 2), unet, WEBGPU_MODEL_LIMITS)).not.toThrow();
  });

  it('the limited backend checks before the bytes are read and again when a session is created', async () => {
    const created: string[] = [];
    const inner: OrtBackend = {
      name: 'wasm',
      createSession: async (_model, label) => {
        created.push(label);
        return { label, inputs: [], outputs: [], run: async () => ({}), release: async () => undefined };
      },
    };
    const backend = limitedBackend(inner, { ...WASM_MODEL_LIMITS, totalBytes: 100, fileBytes: 80 });
    expect(() => backend.checkModelSize?.([{ file: 'a.onnx', bytes: 81 }], 'a')).toThrow(
      /a\.onnx is 0\.0 MB \(81 bytes\)/,
    );
    const small: ModelSource = {
      bytes: new Uint8Array(10),
      externalData: [{ path: 'w.bin', data: new Uint8Array(50) }],
    };
    await backend.createSession(small, 'small');
    const big: ModelSource = {
      bytes: new Uint8Array(60),
      externalData: [{ path: 'w.bin', data: new Uint8Array(50) }],
    };
    await expect(backend.createSession(big, 'big')).rejects.toThrow(
      /cannot load big on wasm: model\.onnx \+ w\.bin are/,
    );
    expect(created).toEqual(['small']);
  });

  it('withSession refuses a model from its file sizes, without reading it', async () => {
    let reads = 0;
    const pack: PackHandle = {
      source: 'folder:sd15',
      id: 'x',
      models: { name: 'sd15' } as PackHandle['models'],
      readFile: async () => {
        reads += 1;
        return new Uint8Array(0);
      },
      fileSize: (file) => (file.endsWith('_data') ? 3_438_460_928 : 1_000_000),
    };
    const backend = limitedBackend(
      { name: 'wasm', createSession: async () => Promise.reject(new Error('not reached')) },
      WASM_MODEL_LIMITS,
    );
    const services = { pool: new SessionPool(backend, GiB), openPack: async () => pack };
    const component = {
      file: 'unet/model.onnx',
      sha256: 'a'.repeat(64),
      externalData: [{ file: 'unet/model.onnx_data', sha256: 'b'.repeat(64) }],
      inputs: [],
      outputs: [],
    };
    await expect(withSession(services, { pack, name: 'unet', component }, async () => 'ran')).rejects.toThrow(
      /cannot load unet \(unet\/model\.onnx\) of sd15 on wasm: unet\/model\.onnx_data is 3\.44 GB/,
    );
    expect(reads).toBe(0);
  });
});
