import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin, runnerImport } from 'vite';

const ROOT = import.meta.dirname;

// Cross-origin isolation lets onnxruntime-web use multi-threaded wasm (SharedArrayBuffer).
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** ONNX Runtime files the WebGPU build (`onnxruntime-web/webgpu`, which also runs wasm) loads at run time. */
const ORT_DIST = resolve(ROOT, 'node_modules/onnxruntime-web/dist');
const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'];
/** Where the app serves them (`ort.env.wasm.wasmPaths`); never committed. */
const ORT_URL_DIR = 'ort';

/**
 * Serves ONNX Runtime's wasm/mjs files at `/ort/` in dev (straight from
 * node_modules) and copies them into `dist/ort/` at build.
 */
function onnxRuntimeFiles(): Plugin {
  let outDir = resolve(ROOT, 'dist');
  return {
    name: 'kosmograph:onnxruntime-files',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      server.middlewares.use(async (req, res, next) => {
        const path = (req.url ?? '').split('?')[0] ?? '';
        const file = path.startsWith(`/${ORT_URL_DIR}/`) ? path.slice(ORT_URL_DIR.length + 2) : undefined;
        if (!file || !ORT_FILES.includes(file)) return next();
        const body = await readFile(join(ORT_DIST, file));
        res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        for (const [key, value] of Object.entries(crossOriginIsolation)) res.setHeader(key, value);
        res.end(body);
      });
    },
    async writeBundle() {
      await mkdir(join(outDir, ORT_URL_DIR), { recursive: true });
      await Promise.all(ORT_FILES.map((f) => copyFile(join(ORT_DIST, f), join(outDir, ORT_URL_DIR, f))));
    },
  };
}

/** Generates the reference pack into public/packs/ before dev serves or build copies it (no manual step). */
function referencePack(): Plugin {
  const ensure = async () => {
    // The generator is TypeScript with Node imports: load it through Vite's module runner.
    const { module } = await runnerImport<typeof import('./scripts/pack/ensure')>(
      resolve(ROOT, 'scripts/pack/ensure.ts'),
      { configFile: false, logLevel: 'warn' },
    );
    await module.ensureReferencePack();
  };
  return {
    name: 'kosmograph:reference-pack',
    apply: (_config, env) => !env.isPreview,
    buildStart: ensure,
    configureServer: ensure,
  };
}

/** Pages: the editor (`index.html`, once it exists) and the worker harness (`harness.html`). */
const pages = Object.fromEntries(
  ['index', 'harness']
    .map((name) => [name, resolve(ROOT, `${name}.html`)] as const)
    .filter(([, path]) => existsSync(path)),
);

export default defineConfig({
  plugins: [react(), referencePack(), onnxRuntimeFiles()],
  resolve: {
    // onnxruntime-web's build that loads its wasm and glue from `wasmPaths` (our /ort/ copy)
    // instead of bundling them, so the 27 MB wasm exists once in dist/.
    conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions],
  },
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  // onnxruntime-web loads its wasm glue at run time from wasmPaths; pre-bundling it breaks that.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    chunkSizeWarningLimit: 2048,
    rolldownOptions: { input: pages },
  },
});
