import { describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/engine/engine-api';
import type { HarnessApi } from '../../src/harness/harness-api';
import { appUrl, withPage } from './browser-env';
import { openEditor } from './editor-helpers';

declare const window: { harness: HarnessApi };

/** The shared Chromium runs WebGPU on SwiftShader (browser-env.ts), a software adapter. */
const SOFTWARE_REASON = 'WebGPU adapter is a software fallback (SwiftShader)';

const engineStatus = (backend: string) =>
  withPage(appUrl(`/harness.html?backend=${backend}&autorun=0`), async (page, { errors }) => {
    const { status } = await page.evaluate(() => window.harness.ready());
    expect(errors).toEqual([]);
    return status as EngineStatus;
  });

describe('backend=auto on a software WebGPU adapter', () => {
  it('the engine picks wasm and reports why', async () => {
    const status = await engineStatus('auto');
    expect(status.backend).toBe('wasm');
    expect(status.fallbackReason).toBe(SOFTWARE_REASON);
  });

  it('an explicit webgpu choice still uses WebGPU', async () => {
    const status = await engineStatus('webgpu');
    expect(status.backend, status.fallbackReason).toBe('webgpu');
    expect(status.fallbackReason).toBeUndefined();
  });

  it('the editor shows the choice and its reason', () =>
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      const shown = page.getByTestId('backend-status');
      await expect.poll(() => shown.textContent()).toBe(`wasm — ${SOFTWARE_REASON}`);
      expect(await shown.getAttribute('title')).toMatch(/\?backend=webgpu/);
      expect(errors).toEqual([]);
    }));

  it('the editor opened with ?backend=webgpu shows webgpu, without a reason', () =>
    withPage(appUrl('/?backend=webgpu'), async (page) => {
      await openEditor(page);
      await expect.poll(() => page.getByTestId('backend-status').textContent()).toBe('webgpu');
    }));
});
