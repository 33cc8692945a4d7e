/**
 * The editor's main thread stays light: the page's chunks (the entry script and every chunk it
 * imports, statically or lazily) hold no sampler, tokenizer, ONNX Runtime, image codec, RNG or
 * node execute code; those run in the engine worker (docs/decisions.md, "A light main thread").
 *
 * It reads the build the global setup made and serves (vite build with hidden source maps,
 * test/browser/browser-env.ts): index.html as served, each chunk it reaches, and each chunk's
 * source map `sources`, the modules bundled into it. It prints the chunks' sizes (docs/editor.md).
 */
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeImage } from '../../src/runtime/image/codec';
import { appUrl, withPage } from './browser-env';
import { downloadBytes, nodeBox, openEditor } from './editor-helpers';

/** What the main thread must not carry, by module path (relative to the repository or node_modules). */
const FORBIDDEN: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'ONNX Runtime', pattern: /(^|\/)node_modules\/onnxruntime-/ },
  { what: 'a sampler or schedule (src/diffusion)', pattern: /^src\/diffusion\// },
  { what: 'the runtime (ORT glue, tokenizers, image codecs, RNG, model files)', pattern: /^src\/runtime\// },
  { what: 'a tokenizer', pattern: /(^|\/)node_modules\/@huggingface\/tokenizers\// },
  { what: 'an image codec', pattern: /(^|\/)node_modules\/(jpeg-js|fast-png|pngjs)\// },
  {
    what: 'node execute code (only nodes/specs.ts and *.spec.ts)',
    pattern: /^nodes\/(?!specs\.ts$|.*\.spec\.ts$)/,
  },
  { what: 'the engine (only its client)', pattern: /^src\/engine\/(?!engine-client\.ts$)/ },
  {
    what: 'the engine worker (only the code that starts it)',
    pattern: /^workers\/(?!engine-client-browser\.ts$|browser-worker-init\.ts$)/,
  },
];

const SourceMap = z.object({ sources: z.array(z.string()) });

interface Chunk {
  readonly path: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Modules bundled in the chunk, relative to the repository root. */
  readonly modules: readonly string[];
  /** Chunks it imports (static `import ... from`, and lazy `import()`), as site paths. */
  readonly imports: readonly { readonly path: string; readonly lazy: boolean }[];
  /** Reached only through a lazy `import()`: not loaded at start. */
  readonly lazy: boolean;
}

async function fetchText(path: string): Promise<string> {
  const response = await fetch(appUrl(path));
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.text();
}

/** Chunk imports in built code: `from"./x.js"`, `import"./x.js"`, `import("./x.js")`. */
function chunkImports(code: string, from: string): { readonly path: string; readonly lazy: boolean }[] {
  const found = new Map<string, boolean>();
  for (const m of code.matchAll(/\b(from|import)\s*(\(?)\s*["'](\.{1,2}\/[^"']+\.js)["']/g)) {
    const path = posix.join(posix.dirname(from), m[3]!);
    const lazy = m[2] === '(';
    found.set(path, (found.get(path) ?? true) && lazy);
  }
  return [...found].map(([path, lazy]) => ({ path, lazy }));
}

/** A source map's source, relative to the repository root (dist/ is one level down). */
function modulePath(source: string, chunkPath: string): string {
  const resolved = posix.normalize(posix.join('dist', posix.dirname(chunkPath), source));
  return resolved.startsWith('../') ? resolved.slice(3) : resolved;
}

async function readChunk(path: string, lazy: boolean): Promise<Chunk> {
  const code = await fetchText(`/${path}`);
  const map = SourceMap.parse(JSON.parse(await fetchText(`/${path}.map`)));
  return {
    path,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code).length,
    modules: map.sources.map((s) => modulePath(s, path)),
    imports: chunkImports(code, path),
    lazy,
  };
}

/** The page's entry chunk and every chunk reachable from it by imports. */
async function mainThreadChunks(): Promise<Chunk[]> {
  const html = await fetchText('/');
  const entry = /<script type="module"[^>]*\bsrc="\/([^"]+\.js)"/.exec(html)?.[1];
  if (!entry) throw new Error('index.html has no module script');
  const chunks = new Map<string, Chunk>();
  const queue: { path: string; lazy: boolean }[] = [{ path: entry, lazy: false }];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (chunks.has(next.path)) continue;
    const chunk = await readChunk(next.path, next.lazy);
    chunks.set(next.path, chunk);
    for (const i of chunk.imports) queue.push({ path: i.path, lazy: next.lazy || i.lazy });
  }
  // Every modulepreload link of the page is one of them (the crawl missed no static import).
  for (const m of html.matchAll(/<link rel="modulepreload"[^>]*\bhref="\/([^"]+\.js)"/g)) {
    if (!chunks.has(m[1]!)) throw new Error(`index.html preloads ${m[1]}, which no import reaches`);
  }
  return [...chunks.values()];
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

describe('the main-thread bundle (the built editor page)', () => {
  let chunks: Chunk[] = [];
  beforeAll(async () => {
    chunks = await mainThreadChunks();
    const eager = chunks.filter((c) => !c.lazy);
    const sum = (list: Chunk[], key: 'bytes' | 'gzipBytes') => list.reduce((a, c) => a + c[key], 0);
    const lines = chunks.map(
      (c) =>
        `  ${c.path}${c.lazy ? ' (lazy)' : ''}: ${kib(c.bytes)} (${kib(c.gzipBytes)} gzip), ${c.modules.length} modules`,
    );
    console.log(
      [
        `main thread: ${chunks.length} chunk(s), loaded at start ${kib(sum(eager, 'bytes'))} (${kib(sum(eager, 'gzipBytes'))} gzip)`,
        ...lines,
      ].join('\n'),
    );
  });

  it('is read from the real build: the editor, the node specs and React are in it', () => {
    const modules = chunks.flatMap((c) => c.modules);
    expect(modules).toContain('src/editor/main.tsx');
    expect(modules).toContain('nodes/specs.ts');
    expect(modules).toContain('nodes/sampling/sampler.spec.ts');
    expect(modules.some((m) => m.includes('node_modules/react-dom/'))).toBe(true);
  });

  it('holds no sampler, tokenizer, ONNX Runtime, image codec, RNG or node execute module', () => {
    const offending = chunks.flatMap((c) =>
      c.modules.flatMap((m) => {
        const rule = FORBIDDEN.find((f) => f.pattern.test(m));
        return rule ? [`${c.path}: ${m} (${rule.what})`] : [];
      }),
    );
    expect(offending).toEqual([]);
  });

  it('shows a Preview Image output, PNG-encoded by the browser, pixel for pixel', () =>
    // The page has no PNG codec of its own: an output without PNG bytes goes through a canvas.
    withPage(appUrl('/'), async (page, { errors }) => {
      await openEditor(page);
      await page.getByText('Examples', { exact: true }).click();
      await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /Canny/ }).click();
      await expect.poll(() => page.locator('.kg-graph-name').textContent()).toMatch(/Canny/);
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      const preview = nodeBox(page, 'preview');
      await expect.poll(() => preview.locator('.kg-output img').count(), { timeout: 60_000 }).toBe(1);
      const { name, bytes } = await downloadBytes(page, () => preview.getByRole('link').first().click());
      expect(name).toBe('preview-preview.png');
      const source = decodeImage(
        readFileSync(resolve(import.meta.dirname, '../../public/examples/images/red-circle-blue-square.png')),
        'the example image',
      );
      const shown = decodeImage(bytes, name);
      expect([shown.width, shown.height]).toEqual([source.width, source.height]);
      expect(Buffer.from(shown.data).equals(Buffer.from(source.data))).toBe(true);
      expect(errors).toEqual([]);
    }));
});
