/**
 * The worker harness page (`/harness.html`): loads the reference pack in the
 * engine worker and runs an example graph there, showing the output. Browser
 * tests drive it through `window.harness`.
 */
import { createNodeRegistry } from '../../nodes/index';
import { createBrowserEngineClient } from '../../workers/engine-client-browser';
import type { GraphDocument } from '../core/document';
import { loadGraphDocument } from '../core/load-document';
import { applyParamAssignments, parseAssignment } from '../core/param-overrides';
import type { PackInfo } from '../engine/engine-api';
import type { EngineEvent } from '../engine/events';
import {
  type HarnessApi,
  type HarnessImage,
  type HarnessRunOptions,
  type HarnessRunResult,
  harnessParamsSchema,
  harnessRunOptionsSchema,
} from './harness-api';

declare global {
  interface Window {
    harness: HarnessApi;
  }
}

const registry = createNodeRegistry();
const $ = (id: string) => document.getElementById(id)!;

const search = new URLSearchParams(location.search);
const params = harnessParamsSchema.parse({
  example: search.get('example') ?? undefined,
  backend: search.get('backend') ?? undefined,
  set: search.getAll('set'),
  autorun: search.get('autorun') ?? undefined,
});

let frames = 0;
const tick = () => {
  frames += 1;
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);

const log = (line: string) => {
  const element = $('log');
  element.textContent = `${line}\n${element.textContent ?? ''}`.slice(0, 4000);
};

const client = createBrowserEngineClient({
  backend: params.backend,
  onRestart: (reason) => log(`worker restarted: ${reason}`),
});

/** An example graph with its image params made absolute URLs (they are relative to the example). */
async function loadExample(name: string): Promise<GraphDocument> {
  const url = new URL(`examples/${name}.json`, document.baseURI);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot fetch ${url.href}: HTTP ${response.status}`);
  const { graph } = loadGraphDocument(await response.json(), registry.lookup, `${name}.json`);
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const imageParams = registry.lookup(node.type)?.params.filter((p) => p.kind === 'image') ?? [];
      const nodeParams = { ...node.params };
      for (const spec of imageParams) {
        const value = nodeParams[spec.name];
        if (typeof value === 'string' && value !== '') nodeParams[spec.name] = new URL(value, url).href;
      }
      return { ...node, params: nodeParams };
    }),
  };
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function show(image: HarnessImage, data: Uint8Array): void {
  const canvas = $('output') as HTMLCanvasElement;
  canvas.width = image.width;
  canvas.height = image.height;
  const rgba = new ImageData(image.width, image.height);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    rgba.data[j] = data[i]!;
    rgba.data[j + 1] = data[i + 1]!;
    rgba.data[j + 2] = data[i + 2]!;
    rgba.data[j + 3] = 255;
  }
  canvas.getContext('2d')?.putImageData(rgba, 0, 0);
}

let jobCounter = 0;
let currentJob: string | undefined;

async function run(raw: HarnessRunOptions = {}): Promise<HarnessRunResult> {
  const options = harnessRunOptionsSchema.parse(raw);
  const example = await loadExample(options.example ?? params.example);
  const sets = options.set ?? params.set;
  const graph = applyParamAssignments(
    example,
    sets.map((text) => parseAssignment(text, 'set')),
    registry.lookup,
  );
  const before = JSON.stringify(graph);
  const jobId = `harness-${++jobCounter}`;
  currentJob = jobId;
  const steps: number[] = [];
  const eventTypes: string[] = [];
  const nodeMs: Record<string, number> = {};
  let binaryPayloads = true;
  let acted = false;
  const framesBefore = frames;
  const started = performance.now();
  $('status').textContent = `running ${jobId}`;
  const onEvent = (event: EngineEvent) => {
    eventTypes.push(event.type);
    if (event.type === 'node:progress') {
      steps.push(event.step);
      if (event.preview && !(event.preview.data instanceof Uint8Array)) binaryPayloads = false;
      if (!acted && options.cancelAtStep !== undefined && event.step >= options.cancelAtStep) {
        acted = true;
        void client.cancel(jobId);
      }
      if (!acted && options.terminateAtStep !== undefined && event.step >= options.terminateAtStep) {
        acted = true;
        client.terminateWorker('terminated by the harness');
      }
    } else if (event.type === 'node:output') {
      const { artifact } = event;
      if (artifact.kind === 'file') {
        if (!(artifact.bytes instanceof Uint8Array)) binaryPayloads = false;
      } else {
        if (!(artifact.image.data instanceof Uint8Array)) binaryPayloads = false;
        if (artifact.png !== undefined && !(artifact.png instanceof Uint8Array)) binaryPayloads = false;
      }
    } else if (event.type === 'node:done') {
      nodeMs[event.nodeId] = Math.round(event.ms);
    } else if (event.type === 'node:error' || event.type === 'job:failed') {
      log(`${event.type}: ${event.message}`);
    }
  };
  const result = await client.run(graph, { jobId }, onEvent);
  const ms = performance.now() - started;
  const images = result.artifacts.flatMap(({ nodeId, artifact }) => {
    if (artifact.kind === 'file') {
      if (!(artifact.bytes instanceof Uint8Array)) binaryPayloads = false;
      return [];
    }
    if (!(artifact.image.data instanceof Uint8Array)) binaryPayloads = false;
    const image = {
      nodeId,
      width: artifact.image.width,
      height: artifact.image.height,
      rgbBase64: base64(artifact.image.data),
    };
    show(image, artifact.image.data);
    return [image];
  });
  $('status').textContent = `${result.status}${result.error ? `: ${result.error.message}` : ''}`;
  log(`${jobId}: ${result.status} in ${ms.toFixed(0)} ms`);
  return {
    jobId,
    status: result.status,
    ...(result.error
      ? {
          error: {
            message: result.error.message,
            ...(result.error.nodeId ? { nodeId: result.error.nodeId } : {}),
          },
        }
      : {}),
    images,
    steps,
    binaryPayloads,
    eventTypes,
    nodeMs,
    framesDuringRun: frames - framesBefore,
    ms,
    graphUnchanged: JSON.stringify(graph) === before,
  };
}

const ready = (async () => {
  const pack: PackInfo = await client.loadPack('reference', (p) => {
    $('status').textContent = `loading pack: ${p.done}/${p.total} ${p.file}`;
  });
  const status = await client.status();
  $('backend').textContent = `${status.backend}${status.fallbackReason ? ` (${status.fallbackReason})` : ''}`;
  $('status').textContent = `pack ${pack.name} loaded`;
  if (params.autorun === '1') await run();
  return { pack, status };
})();
ready.catch((error: unknown) => {
  $('status').textContent = `error: ${error instanceof Error ? error.message : String(error)}`;
});

window.harness = {
  ready: () => ready,
  run,
  cancel: (jobId) => client.cancel(jobId),
  terminateWorker: () => client.terminateWorker('terminated by the harness'),
  status: () => client.status(),
  frames: () => frames,
  restarts: () => client.restarts,
};

$('run').addEventListener('click', () => void run());
$('cancel').addEventListener('click', () => currentJob && void client.cancel(currentJob));
$('kill').addEventListener('click', () => client.terminateWorker('terminated from the page'));
