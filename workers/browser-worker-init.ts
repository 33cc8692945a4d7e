import { z } from 'zod';

/**
 * How the browser engine worker is configured: carried in the Worker's
 * `name` (JSON), so the worker knows its backend before the first call.
 * Validated with zod at the worker's edge: it comes from the page's URL.
 */
export const browserWorkerInitSchema = z.object({
  backend: z.enum(['auto', 'webgpu', 'wasm']),
  /** Absolute URL of the folder holding ONNX Runtime's wasm/mjs files. */
  wasmPaths: z.url(),
  /** Absolute URL of the reference pack's folder. */
  referencePackUrl: z.url(),
  /** Relative sources resolve against this absolute URL. */
  baseUrl: z.url(),
});

export type BrowserWorkerInit = z.infer<typeof browserWorkerInitSchema>;

export function encodeWorkerInit(init: BrowserWorkerInit): string {
  return JSON.stringify(browserWorkerInitSchema.parse(init));
}

export function decodeWorkerInit(name: string): BrowserWorkerInit {
  let json: unknown;
  try {
    json = JSON.parse(name);
  } catch {
    throw new Error(`the engine worker's name is not its JSON configuration: ${name.slice(0, 80)}`);
  }
  return browserWorkerInitSchema.parse(json);
}
