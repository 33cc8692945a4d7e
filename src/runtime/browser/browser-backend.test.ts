import { describe, expect, it } from 'vitest';
import { type OrtWebModule, selectBrowserBackend } from './browser-backend';

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
