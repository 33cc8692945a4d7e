/**
 * Editor performance on a generated 1,000-node graph, as ratios against a bare React Flow page
 * with the same nodes, edges, viewport and React Flow options (bench/bare-flow/): time to open
 * the graph (first frame with nodes, then an idle main thread) and a param edit (commit, and to
 * the next frame). Each sample opens a fresh page; editor and bare samples alternate; medians.
 * Every sample checks it did its job (the graph's nodes on screen, the edited value shown, no
 * page errors), so a broken page fails the benchmark instead of timing an empty screen.
 *
 * Run against the production build: `npx vite build && npx tsx bench/editor.ts [--samples N]`
 * (part of `npm run bench`); the bare page is built here into .tmp/bench-bare-flow/.
 * Goals (ratios, editor / bare): open <= 8x, an edit <= 3x (see OPEN_GOAL).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import react from '@vitejs/plugin-react';
import type { Browser, Page } from 'playwright-core';
import { z } from 'zod';
import { freePort, launchBrowser, startPreviewServer } from '../test/browser/browser-env';
import { recordResults } from './results-file';

/** 250 chains of Load Image -> Canny -> Canny -> Preview, laid out in a grid. */
export function bigGraph(chains = 250) {
  const nodes: unknown[] = [];
  const edges: unknown[] = [];
  const layout: Record<string, { x: number; y: number }> = {};
  for (let c = 0; c < chains; c++) {
    const ids = [`load${c}`, `cannyA${c}`, `cannyB${c}`, `preview${c}`];
    const types = ['image.load', 'image.canny', 'image.canny', 'image.preview'];
    ids.forEach((id, i) => {
      nodes.push({ id, type: types[i], typeVersion: 1, params: {} });
      layout[id] = { x: (c % 10) * 1200 + i * 290, y: Math.floor(c / 10) * 300 };
      if (i > 0) edges.push({ from: { node: ids[i - 1], port: 'image' }, to: { node: id, port: 'image' } });
    });
  }
  return {
    format: 'kosmograph.graph',
    version: 1,
    meta: { name: 'bench-1000' },
    nodes,
    edges,
    layout: { nodes: layout },
  };
}

const BARE_ROOT = resolve(import.meta.dirname, 'bare-flow');
const BARE_OUT = resolve(import.meta.dirname, '../.tmp/bench-bare-flow');
/** The node whose param the edit samples change (the editor's inspector; the bare page's field). */
const EDITED = 'cannyA0';
const EDITS = 20;
/** Goals: editor / bare, medians. */
const OPEN_GOAL = 8;
const EDIT_GOAL = 3;

/** Builds and serves the bare React Flow page (its own vite config: nothing of the app's). */
async function startBarePage(): Promise<{ url: string; close(): Promise<void> }> {
  const vite = await import('vite');
  const config = {
    root: BARE_ROOT,
    configFile: false as const,
    logLevel: 'warn' as const,
    plugins: [react()],
  };
  await vite.build({ ...config, build: { outDir: BARE_OUT, emptyOutDir: true } });
  const port = await freePort();
  const server = await vite.preview({
    ...config,
    build: { outDir: BARE_OUT },
    preview: { host: '127.0.0.1', port, strictPort: true },
  });
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

const openTimesSchema = z.object({ firstRender: z.number(), idle: z.number(), nodesShown: z.number().int() });
const editTimesSchema = z.object({
  commit: z.array(z.number()),
  paint: z.array(z.number()),
  shown: z.string(),
});
type OpenTimes = z.infer<typeof openTimesSchema>;
type EditTimes = z.infer<typeof editTimesSchema>;

interface BenchHelpers {
  /** Waits for `ready()` frame by frame, then the next idle period; times from `start`. */
  waitForOpen(start: number, ready: () => boolean): Promise<OpenTimes>;
  /** `count` edits of the number field at `selector`, each timed to React's commit and to the next frame. */
  timeEdits(selector: string, count: number): Promise<EditTimes>;
}
interface BenchWindow {
  bench: BenchHelpers;
}

/** Installs the timing helpers both pages share (page.evaluate sends it as source: self-contained). */
function installHelpers(): void {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
  const helpers: BenchHelpers = {
    async waitForOpen(start, ready) {
      while (!ready()) {
        if (performance.now() - start > 60_000) throw new Error('the graph did not appear within 60 s');
        await frame();
      }
      await frame();
      const firstRender = performance.now() - start;
      await new Promise((r) => requestIdleCallback(() => r(undefined), { timeout: 10_000 }));
      const nodesShown = document.querySelectorAll('.react-flow__node').length;
      return { firstRender, idle: performance.now() - start, nodesShown };
    },
    async timeEdits(selector, count) {
      const input = document.querySelector<HTMLInputElement>(selector);
      if (!input) throw new Error(`no number field at ${selector}`);
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      const commit: number[] = [];
      const paint: number[] = [];
      for (let i = 0; i < count; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const start = performance.now();
        setter.call(input, String(100 + i));
        // React renders and commits a discrete input event synchronously.
        input.dispatchEvent(new Event('input', { bubbles: true }));
        commit.push(performance.now() - start);
        await frame();
        paint.push(performance.now() - start);
      }
      return { commit, paint, shown: input.value };
    },
  };
  (window as unknown as BenchWindow).bench = helpers;
}

async function freshPage(browser: Browser, url: string) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
  // tsx compiles this file with esbuild's keepNames, which wraps named functions in `__name(fn,
  // "name")`; the functions page.evaluate sends (installHelpers) then need it in the page too.
  await context.addInitScript({ content: 'globalThis.__name = (target) => target;' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  const check = () => {
    if (errors.length > 0) throw new Error(`${url}: ${errors.join('; ')}`);
  };
  return { page, check, close: () => context.close() };
}

/** React Flow's viewport transform as the page shows it. */
async function viewportOf(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const transform = await page
    .locator('.react-flow__viewport')
    .evaluate((el) => getComputedStyle(el).transform);
  const m = /matrix\(([^,]+), [^,]+, [^,]+, [^,]+, ([^,]+), ([^)]+)\)/.exec(transform);
  if (!m) throw new Error(`unexpected viewport transform ${transform}`);
  return { zoom: Number(m[1]), x: Number(m[2]), y: Number(m[3]) };
}

interface Sample {
  readonly open: OpenTimes;
  readonly edits: EditTimes;
}

/** The editor: the graph imported as a file (the user's path), then its inspector edited. */
async function editorSample(browser: Browser, url: string, text: string) {
  const p = await freshPage(browser, url);
  try {
    await p.page.waitForSelector('[data-ready="true"]', { timeout: 60_000 });
    await p.page.evaluate(installHelpers);
    const open = openTimesSchema.parse(
      await p.page.evaluate(async (text) => {
        const input = document.querySelector<HTMLInputElement>('[data-testid="import-file"]');
        if (!input) throw new Error('no import-file input');
        const files = new DataTransfer();
        files.items.add(new File([text], 'bench.json', { type: 'application/json' }));
        input.files = files.files;
        const start = performance.now();
        input.dispatchEvent(new Event('change', { bubbles: true }));
        const ready = () =>
          document.querySelector('.kg-graph-name')?.textContent === 'bench-1000' &&
          document.querySelector('.react-flow__node') !== null;
        return (window as unknown as BenchWindow).bench.waitForOpen(start, ready);
      }, text),
    );
    const viewport = await viewportOf(p.page);
    await p.page.locator(`.react-flow__node[data-id="${EDITED}"]`).locator('.kg-node-header').click();
    const edits = editTimesSchema.parse(
      await p.page.evaluate(
        (count) =>
          (window as unknown as BenchWindow).bench.timeEdits('.kg-inspector input[type="number"]', count),
        EDITS,
      ),
    );
    p.check();
    return { sample: { open, edits } satisfies Sample, viewport };
  } finally {
    await p.close();
  }
}

/** The bare page: the same graph at the same viewport, and its one field edited. */
async function bareSample(
  browser: Browser,
  url: string,
  text: string,
  viewport: { x: number; y: number; zoom: number },
): Promise<Sample> {
  const p = await freshPage(browser, url);
  try {
    await p.page.waitForFunction(() => 'bareFlow' in window);
    await p.page.evaluate(installHelpers);
    const open = openTimesSchema.parse(
      await p.page.evaluate(
        ({ text, viewport, edited }) => {
          const start = performance.now();
          (window as unknown as { bareFlow: { open(t: string, v: unknown, e: string): void } }).bareFlow.open(
            text,
            viewport,
            edited,
          );
          const ready = () => document.querySelector('.react-flow__node') !== null;
          return (window as unknown as BenchWindow).bench.waitForOpen(start, ready);
        },
        { text, viewport, edited: EDITED },
      ),
    );
    const edits = editTimesSchema.parse(
      await p.page.evaluate(
        (count) =>
          (window as unknown as BenchWindow).bench.timeEdits('.bare-inspector input[type="number"]', count),
        EDITS,
      ),
    );
    const label = await p.page.locator(`.react-flow__node[data-id="${EDITED}"]`).textContent();
    if (label !== `${EDITED}: ${100 + EDITS - 1}`)
      throw new Error(`the bare page's edit did not show: ${label}`);
    p.check();
    return { open, edits };
  } finally {
    await p.close();
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function checkEditorSample(sample: Sample): void {
  if (sample.open.nodesShown === 0) throw new Error('the editor showed no nodes');
  if (sample.edits.shown !== String(100 + EDITS - 1)) {
    throw new Error(`the editor's field shows ${sample.edits.shown} after the edits`);
  }
}

interface Row {
  readonly name: string;
  readonly editorMs: number;
  readonly bareMs: number;
  readonly ratio: number;
  readonly goal: number;
  readonly ok: boolean;
}

/**
 * Refuses to time a development build of the app: vite keeps a NODE_ENV it finds set (vitest's
 * `test` in the browser tests' build), and React's development build opens a graph about 3x
 * slower, which would make every ratio meaningless.
 */
function checkProductionBuild(): void {
  const assets = resolve(import.meta.dirname, '../dist/assets');
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  if (scripts.length === 0) throw new Error(`no built app in ${assets}: run npx vite build first`);
  for (const file of scripts) {
    if (readFileSync(join(assets, file), 'utf8').includes('jsxDEV')) {
      throw new Error(
        `dist/ holds a development build (${file} has React's jsxDEV): run npx vite build first`,
      );
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '5' } }, strict: true });
  checkProductionBuild();
  process.env.NODE_ENV = 'production'; // the bare page's build below, whatever the caller had
  const samples = z.coerce.number().int().min(3).parse(values.samples);
  const app = await startPreviewServer({ build: false });
  const bare = await startBarePage();
  const browser = await launchBrowser();
  try {
    const text = JSON.stringify(bigGraph());
    // Warm-up (browser caches, JIT) and the editor's viewport, which the bare page then uses.
    const { viewport } = await editorSample(browser, `${app.url}/`, text);
    await bareSample(browser, bare.url, text, viewport);
    const editor: Sample[] = [];
    const baseline: Sample[] = [];
    for (let i = 0; i < samples; i++) {
      const e = await editorSample(browser, `${app.url}/`, text);
      checkEditorSample(e.sample);
      editor.push(e.sample);
      baseline.push(await bareSample(browser, bare.url, text, viewport));
    }
    const metric = (name: string, goal: number, of: (s: Sample) => number): Row => {
      const editorMs = median(editor.map(of));
      const bareMs = median(baseline.map(of));
      const ratio = editorMs / bareMs;
      return { name, editorMs, bareMs, ratio, goal, ok: ratio <= goal };
    };
    const rows: Row[] = [
      // Opening is 5-7x the bare page here (the editor's nodes carry ports, widgets and issue
      // badges, and it validates and lays out the graph; the bare page's are a div with a label):
      // 8x catches a regression without claiming parity.
      metric('open 1,000 nodes: first frame', OPEN_GOAL, (s) => s.open.firstRender),
      metric('open 1,000 nodes: idle', OPEN_GOAL, (s) => s.open.idle),
      metric('param edit: commit', EDIT_GOAL, (s) => median(s.edits.commit)),
      metric('param edit: to next frame', EDIT_GOAL, (s) => median(s.edits.paint)),
    ];
    const ms = (x: number) => `${x.toFixed(x < 100 ? 1 : 0)} ms`;
    const shown = (list: Sample[]) => median(list.map((s) => s.open.nodesShown));
    console.log(
      `editor vs bare React Flow (Chromium, medians of ${samples} samples; nodes on screen: editor ${shown(editor)}, bare ${shown(baseline)})`,
    );
    console.log('                                    editor       bare    ratio   goal');
    for (const row of rows) {
      console.log(
        `${row.name.padEnd(32)} ${ms(row.editorMs).padStart(10)} ${ms(row.bareMs).padStart(10)} ${row.ratio.toFixed(2).padStart(7)}x  <= ${row.goal}x  ${row.ok ? 'ok' : 'MISSED'}`,
      );
    }
    await recordResults('editor', {
      samples,
      nodesShown: { editor: shown(editor), bare: shown(baseline) },
      rows,
    });
    if (rows.some((r) => !r.ok)) process.exitCode = 1;
  } finally {
    await browser.close();
    await bare.close();
    await app.close();
  }
}

await main();
