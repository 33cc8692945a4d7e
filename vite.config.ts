import { defineConfig } from 'vite';

// Cross-origin isolation lets onnxruntime-web use multi-threaded wasm (SharedArrayBuffer).
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist' },
});
