/**
 * Shared environment of the browser tests: ONE headless Chromium (Debian's,
 * never a downloaded one) and ONE built app served by `vite preview`, both
 * started by `test/browser/global-setup.ts` and reused by every test file.
 *
 * In a test file:
 *
 * ```ts
 * import { appUrl, withPage } from './browser-env';
 * it('...', () => withPage(appUrl('/harness.html'), async (page) => { ... }));
 * ```
 *
 * Run outside the global setup (e.g. a script), `launchBrowser()` launches its
 * own browser and `startPreviewServer()` builds and serves `dist/` itself.
 */
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { type Browser, type BrowserServer, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the preview server, e.g. `http://127.0.0.1:41234`. */
    previewUrl: string;
    /** Playwright websocket endpoint of the shared browser. */
    browserWsEndpoint: string;
  }
}

/** Debian's Chromium (`apt-get install -y chromium`); override with KOSMOGRAPH_CHROMIUM. */
export const CHROMIUM_EXECUTABLE = process.env.KOSMOGRAPH_CHROMIUM ?? '/usr/bin/chromium';

/** Quiet, offline, sandbox-free (CI runs as root). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebGPU on SwiftShader (Vulkan on the CPU): works without a GPU. */
export const WEBGPU_SWIFTSHADER_FLAGS: readonly string[] = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

const launchOptions = () => ({
  executablePath: CHROMIUM_EXECUTABLE,
  headless: true,
  args: [...CHROMIUM_FLAGS, ...WEBGPU_SWIFTSHADER_FLAGS],
});

/** Starts a browser server others connect to (the global setup's one browser). */
export function launchBrowserServer(): Promise<BrowserServer> {
  return chromium.launchServer(launchOptions());
}

function injected(key: 'previewUrl' | 'browserWsEndpoint'): string | undefined {
  try {
    return inject(key);
  } catch {
    return undefined; // not inside a vitest worker
  }
}

let shared: Promise<Browser> | undefined;

/**
 * The shared browser: connects to the global setup's browser when there is
 * one, otherwise launches one (once per process). Do not close it; close
 * your contexts (`withPage` does).
 */
export function launchBrowser(): Promise<Browser> {
  if (!shared) {
    const endpoint = injected('browserWsEndpoint');
    shared = endpoint ? chromium.connect(endpoint) : chromium.launch(launchOptions());
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

/** An absolute URL on the shared preview server, e.g. `appUrl('/harness.html?x=1')`. */
export function appUrl(path: string): string {
  const base = injected('previewUrl') ?? process.env.KOSMOGRAPH_PREVIEW_URL;
  if (!base)
    throw new Error('no preview server: run through vitest.browser.config.ts or set KOSMOGRAPH_PREVIEW_URL');
  return new URL(path, base).toString();
}

export interface PageErrors {
  /** Uncaught exceptions and console errors seen on the page so far. */
  readonly errors: readonly string[];
}

export interface PageOptions {
  readonly viewport?: { width: number; height: number };
}

export interface OpenPage extends PageErrors {
  readonly page: Page;
  /** Closes the page's context (its storage and caches go with it). */
  close(): Promise<void>;
}

/**
 * Opens `url` in a fresh browser context (own storage and caches) and keeps
 * it open until `close()`: for a `describe` whose tests share one page
 * (`beforeAll` / `afterAll`). Page errors are collected in `errors`.
 */
export async function openPage(url: string, options: PageOptions = {}): Promise<OpenPage> {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const errors: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    await page.goto(url);
    return { page, errors, close: () => context.close() };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/**
 * Opens `url` in a fresh browser context, runs `use` and closes the context
 * whatever happens. Page errors are collected in `errors` (second argument)
 * so a test can assert there were none.
 */
export async function withPage<T>(
  url: string,
  use: (page: Page, diagnostics: PageErrors) => Promise<T>,
  options: PageOptions = {},
): Promise<T> {
  const opened = await openPage(url, options);
  try {
    return await use(opened.page, opened);
  } finally {
    await opened.close();
  }
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface PreviewServer {
  readonly url: string;
  close(): Promise<void>;
}

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Builds the app with vite (unless `build: false`) into `dist/` and serves it
 * with `vite preview` (COOP/COEP headers from vite.config.ts) on a free port.
 * The build writes hidden source maps (`*.js.map`, not linked from the code):
 * main-bundle.test.ts reads which modules the main thread's chunks hold.
 */
export async function startPreviewServer(options: { readonly build?: boolean } = {}): Promise<PreviewServer> {
  const vite = await import('vite');
  const configFile = resolve(ROOT, 'vite.config.ts');
  if (options.build !== false)
    await vite.build({ root: ROOT, configFile, logLevel: 'warn', build: { sourcemap: 'hidden' } });
  const port = await freePort();
  const server = await vite.preview({
    root: ROOT,
    configFile,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port, strictPort: true, open: false },
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => server.close(),
  };
}
