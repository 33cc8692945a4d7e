import type { GraphDocument } from '../core/document';
import { remoteOrigins } from '../core/graph-origins';
import { validateGraph } from '../core/validate';
import { formatIssue } from '../core/validation-error';
import type { EngineEvent } from '../engine/events';
import { dismissNotice, notify, validateNow } from './actions';
import { engine } from './engine-connection';
import { consentToOrigins, unapprovedOrigins } from './origin-consent';
import { specOf } from './registry';
import { isRelativeSource, resolveSource } from './sources';
import { replacePresent } from './state/history';
import { applyEvent, enqueueJob, type RunState, updateJob } from './state/run-state';
import { advanceSeeds } from './state/seed';
import { currentDoc, type EditorState, editorStore } from './store';

/**
 * The run queue: jobs run one after another (one engine for every tab); each
 * can be cancelled while queued or running. A job belongs to the session of
 * the graph it was queued from (see `GraphTab`): its events update that
 * session's run state only (the live one or a background tab's), and when
 * that graph is replaced or its tab closed, its jobs are cancelled and their
 * events go nowhere, so nothing of an old graph shows on a new one.
 */

interface QueuedJob {
  readonly id: string;
  readonly session: string;
  readonly graph: Promise<GraphDocument>;
  phase: 'queued' | 'running' | 'ended';
  cancelRequested?: boolean;
}

const queue: QueuedJob[] = [];
let counter = 0;
let pumping = false;

/** The state patch that applies `update` to `session`'s run state (nothing when the session is gone). */
export function withRunOf(
  state: EditorState,
  session: string,
  update: (run: RunState) => RunState,
): Partial<EditorState> {
  if (state.session === session) return { run: update(state.run) };
  const i = state.tabs.findIndex((t) => t.id !== state.tabId && t.session === session);
  if (i < 0) return {};
  const tabs = [...state.tabs];
  tabs[i] = { ...tabs[i]!, run: update(tabs[i]!.run) };
  return { tabs };
}

/** Whether a session's graph is still open (live, or in a background tab). */
export function sessionOpen(state: EditorState, session: string): boolean {
  return state.session === session || state.tabs.some((t) => t.id !== state.tabId && t.session === session);
}

function updateRun(session: string, update: (run: RunState) => RunState): void {
  editorStore.setState((s) => withRunOf(s, session, update));
}

function dispatchTo(session: string): (event: EngineEvent) => void {
  return (event) => updateRun(session, (run) => applyEvent(run, event));
}

/** Jobs of graphs that were replaced or closed are cancelled (their results would show nowhere). */
function cancelClosedSessions(): void {
  const state = editorStore.getState();
  for (const job of queue) {
    if (job.phase !== 'ended' && !sessionOpen(state, job.session)) void cancelJob(job.id);
  }
}
editorStore.subscribe(cancelClosedSessions);

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
  const origins = remoteOrigins(
    doc,
    specOf,
    new URL(state.baseUrl ?? globalThis.location?.href ?? 'http://localhost/').origin,
  );
  if (!consentToOrigins(origins)) {
    notify('error', 'Not run: this graph fetches from sites you did not allow', unapprovedOrigins(origins));
    return undefined;
  }
  counter += 1;
  const jobId = `job-${Date.now().toString(36)}-${counter}`;
  const session = state.session;
  queue.push({ id: jobId, session, graph: graphForRun(doc, state.baseUrl), phase: 'queued' });
  updateRun(session, (run) => enqueueJob(run, jobId, `Run ${counter}`));
  // Seeds set to increment/random change after queueing (ComfyUI's "control after generate").
  const advanced = advanceSeeds(doc, state.seedModes, specOf, Math.random);
  if (advanced !== doc) editorStore.setState((s) => ({ history: replacePresent(s.history, advanced) }));
  void pump();
  return jobId;
}

export async function cancelJob(jobId: string): Promise<void> {
  const job = queue.find((j) => j.id === jobId);
  if (!job || job.phase === 'ended') return;
  if (job.phase === 'queued') {
    job.phase = 'ended';
    updateRun(job.session, (run) => updateJob(run, jobId, { phase: 'cancelled' }));
  } else if (!job.cancelRequested) {
    job.cancelRequested = true;
    await engine().cancel(jobId);
  }
}

function failed(job: QueuedJob, message: string): void {
  updateRun(job.session, (run) => updateJob(run, job.id, { phase: 'failed', message }));
  if (editorStore.getState().session === job.session) notify('error', `Run failed: ${message}`, [], 'run');
}

async function runJob(job: QueuedJob): Promise<void> {
  const graph = await job.graph;
  // It may have been cancelled while its images were read.
  if (job.phase !== 'queued') return;
  job.phase = 'running';
  updateRun(job.session, (run) => updateJob(run, job.id, { phase: 'running' }));
  try {
    const result = await engine().run(graph, { jobId: job.id }, dispatchTo(job.session));
    const phase = result.status;
    updateRun(job.session, (run) => {
      const after = run.jobs.find((j) => j.id === job.id);
      if (after?.phase !== 'running') return run;
      return updateJob(run, job.id, { phase, ...(result.error ? { message: result.error.message } : {}) });
    });
    if (result.status === 'failed' && result.error) failed(job, result.error.message);
    else if (result.status === 'done' && editorStore.getState().session === job.session) dismissNotice('run');
  } catch (error) {
    failed(job, error instanceof Error ? error.message : String(error));
  } finally {
    job.phase = 'ended';
  }
}

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const job = queue.find((j) => j.phase === 'queued');
      if (!job) return;
      await runJob(job);
      // Ended jobs are forgotten (the run state keeps what the Runs list shows).
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.phase === 'ended') queue.splice(i, 1);
    }
  } finally {
    pumping = false;
  }
}
