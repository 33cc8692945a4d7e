import type { GraphDocument } from '../core/document';
import { validateGraph } from '../core/validate';
import { formatIssue } from '../core/validation-error';
import type { EngineEvent } from '../engine/events';
import { notify, validateNow } from './actions';
import { engine } from './engine-connection';
import { specOf } from './registry';
import { isRelativeSource, resolveSource } from './sources';
import { replacePresent } from './state/history';
import { applyEvent, enqueueJob, nextQueued, updateJob } from './state/run-state';
import { advanceSeeds } from './state/seed';
import { currentDoc, editorStore } from './store';

/** The run queue: jobs run one after another; each can be cancelled while queued or running. */

const graphs = new Map<string, Promise<GraphDocument>>();
let counter = 0;
let pumping = false;

function dispatch(event: EngineEvent): void {
  editorStore.setState((s) => ({ run: applyEvent(s.run, event) }));
}

function bytesToDataUrl(bytes: Uint8Array, mime: string): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return `data:${mime};base64,${btoa(binary)}`;
}

/**
 * The graph as the engine gets it: image params that are relative paths
 * (examples' `images/x.png`) become data: URLs, as the CLI does, so the
 * graph embedded in saved PNGs reproduces them anywhere. The document
 * itself is not changed.
 */
export async function graphForRun(doc: GraphDocument, baseUrl: string | undefined): Promise<GraphDocument> {
  const nodes = await Promise.all(
    doc.nodes.map(async (node) => {
      const spec = specOf(node.type);
      if (!spec) return node;
      let params = node.params;
      for (const p of spec.params) {
        const value = params[p.name];
        if (p.kind !== 'image' || typeof value !== 'string' || !isRelativeSource(value)) continue;
        const url = resolveSource(value, baseUrl);
        try {
          const response = await fetch(url);
          const mime = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
          if (!response.ok || !mime.startsWith('image/')) {
            // Not there (e.g. an imported file whose images were next to it): the engine names the URL.
            params = { ...params, [p.name]: url };
            continue;
          }
          const bytes = new Uint8Array(await response.arrayBuffer());
          params = { ...params, [p.name]: bytesToDataUrl(bytes, mime) };
        } catch {
          params = { ...params, [p.name]: url };
        }
      }
      return params === node.params ? node : { ...node, params };
    }),
  );
  return { ...doc, nodes };
}

/** Queues a run of the current graph; returns its job id, or undefined when the graph cannot run. */
export function queueRun(): string | undefined {
  const state = editorStore.getState();
  const doc = currentDoc();
  const issues = validateGraph(doc, specOf);
  validateNow();
  if (issues.length > 0) {
    notify('error', `The graph cannot run: ${issues.length} problem(s)`, issues.map(formatIssue));
    return undefined;
  }
  counter += 1;
  const jobId = `job-${Date.now().toString(36)}-${counter}`;
  graphs.set(jobId, graphForRun(doc, state.baseUrl));
  editorStore.setState((s) => ({ run: enqueueJob(s.run, jobId, `Run ${counter}`) }));
  // Seeds set to increment/random change after queueing (ComfyUI's "control after generate").
  const advanced = advanceSeeds(doc, state.seedModes, specOf, Math.random);
  if (advanced !== doc) editorStore.setState((s) => ({ history: replacePresent(s.history, advanced) }));
  void pump();
  return jobId;
}

export async function cancelJob(jobId: string): Promise<void> {
  const job = editorStore.getState().run.jobs.find((j) => j.id === jobId);
  if (!job) return;
  if (job.phase === 'queued') {
    graphs.delete(jobId);
    editorStore.setState((s) => ({ run: updateJob(s.run, jobId, { phase: 'cancelled' }) }));
  } else if (job.phase === 'running') {
    await engine().cancel(jobId);
  }
}

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const job = nextQueued(editorStore.getState().run);
      if (!job) return;
      const graph = await graphs.get(job.id);
      graphs.delete(job.id);
      // It may have been cancelled while its images were read.
      const still = editorStore.getState().run.jobs.find((j) => j.id === job.id);
      if (!graph || still?.phase !== 'queued') continue;
      editorStore.setState((s) => ({ run: updateJob(s.run, job.id, { phase: 'running' }) }));
      try {
        const result = await engine().run(graph, { jobId: job.id }, dispatch);
        const after = editorStore.getState().run.jobs.find((j) => j.id === job.id);
        if (after?.phase === 'running') {
          editorStore.setState((s) => ({
            run: updateJob(s.run, job.id, {
              phase: result.status,
              ...(result.error ? { message: result.error.message } : {}),
            }),
          }));
        }
        if (result.status === 'failed' && result.error)
          notify('error', `Run failed: ${result.error.message}`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        editorStore.setState((s) => ({ run: updateJob(s.run, job.id, { phase: 'failed', message }) }));
        notify('error', `Run failed: ${message}`);
      }
    }
  } finally {
    pumping = false;
  }
}
