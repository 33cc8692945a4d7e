import type { TestProject } from 'vitest/node';
import { ensureReferencePack } from '../../scripts/pack/ensure';
import { launchBrowserServer, startPreviewServer } from './browser-env';

/**
 * Once for all browser test files: build the app and serve it with
 * `vite preview`, and start one Chromium that every file connects to.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureReferencePack();
  const server = await startPreviewServer();
  const browser = await launchBrowserServer();
  project.provide('previewUrl', server.url);
  project.provide('browserWsEndpoint', browser.wsEndpoint());
  return async () => {
    await browser.close();
    await server.close();
  };
}
