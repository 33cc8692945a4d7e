import { beforeEach, describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import type { GraphDocument } from '../core/document';
import { emptyGraph } from '../core/document';
import type { EngineApi } from '../engine/engine-api';
import type { EngineEvent, JobResult } from '../engine/events';
import { newTab, openGraph, switchTab } from './actions';
import { provideEngine } from './engine-connection';
import { cancelJob, queueRun } from './run-controller';
import { addNode, connect } from './state/graph-ops';
import { editorStore, initialEditorState } from './store';

const lookup = createNodeRegistry().lookup;

/** A graph that validates: load -> preview. */
function smallGraph(): GraphDocument {
  let doc = addNode(emptyGraph(), lookup('image.load')!, { x: 0, y: 0 }).doc;
  doc = addNode(doc, lookup('image.preview')!, { x: 300, y: 0 }).doc;
  const r = connect(doc, { node: 'load', port: 'image' }, { node: 'preview', port: 'image' }, lookup);
  if (!r.ok) throw new Error(r.reason);
  return r.doc;
}

/** An engine the test drives by hand: jobs end when the test says so. */
function manualEngine() {
  const running = new Map<string, { emit: (e: EngineEvent) => void; finish: (r: JobResult) => void }>();
  const cancelled: string[] = [];
  const graphs: GraphDocument[] = [];
  const api: EngineApi = {
    run: (graph, { jobId }, onEvent) =>
      new Promise<JobResult>((finish) => {
        graphs.push(graph);
        running.set(jobId, { emit: onEvent, finish });
        onEvent({ type: 'job:start', jobId, nodeIds: ['load', 'preview'] });
      }),
    async cancel(jobId) {
      cancelled.push(jobId);
      const job = running.get(jobId);
      job?.emit({ type: 'job:cancelled', jobId });
      job?.finish({ jobId, status: 'cancelled', artifacts: [] });
    },
    loadPack: async () => ({
      source: 'reference',
      name: 'x',
      id: 'x',
      kind: 'kosmograph-pack',
      layout: 'pack',
      components: [],
      controlnets: [],
      loras: [],
    }),
    loadPackFiles: async (name) => ({
      source: `folder:${name}`,
      name,
      id: 'x',
      kind: 'kosmograph-pack',
      layout: 'pack',
      components: [],
      controlnets: [],
      loras: [],
    }),
    status: async () => ({ backend: 'cpu', runningJobs: [], loadedSessions: 0, loadedBytes: 0 }),
  };
  return { api, running, cancelled, graphs };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
const phases = () => editorStore.getState().run.jobs.map((j) => j.phase);

describe('run queue', () => {
  let engine: ReturnType<typeof manualEngine>;
  beforeEach(() => {
    editorStore.setState(initialEditorState());
    engine = manualEngine();
    provideEngine(() => engine.api);
    const doc = smallGraph();
    openGraph({ graph: doc, warnings: [] }, { source: 'test', quiet: true });
  });

  it('runs queued jobs one after another; each can be cancelled', async () => {
    const a = queueRun()!;
    const b = queueRun()!;
    const c = queueRun()!;
    await tick();
    expect(phases()).toEqual(['running', 'queued', 'queued']);
    await cancelJob(b);
    expect(phases()).toEqual(['running', 'cancelled', 'queued']);
    engine.running.get(a)!.emit({ type: 'job:done', jobId: a, ms: 1, executed: 2, cached: 0 });
    engine.running.get(a)!.finish({ jobId: a, status: 'done', artifacts: [] });
    await tick();
    await tick();
    expect(phases()).toEqual(['done', 'cancelled', 'running']);
    await cancelJob(c);
    await tick();
    expect(engine.cancelled).toEqual([c]);
    expect(phases()).toEqual(['done', 'cancelled', 'cancelled']);
    expect(engine.graphs).toHaveLength(2);
  });

  it('refuses to queue a graph with problems and says why', () => {
    openGraph({ graph: emptyGraph(), warnings: [] }, { source: 'empty', quiet: true });
    expect(queueRun()).toBeUndefined();
    expect(editorStore.getState().notice?.text).toMatch(/cannot run/);
    expect(editorStore.getState().run.jobs).toEqual([]);
  });

  it('advances seeds set to increment after queueing, not before', async () => {
    let doc = addNode(smallGraph(), lookup('sampling.sampler')!, { x: 0, y: 0 }).doc;
    doc = {
      ...doc,
      nodes: doc.nodes.map((n) => (n.id === 'sampler' ? { ...n, params: { ...n.params, seed: 5 } } : n)),
    };
    openGraph({ graph: doc, warnings: [] }, { source: 'seeded', quiet: true });
    editorStore.setState({ seedModes: { 'sampler.seed': 'increment' } });
    queueRun();
    await tick();
    await tick();
    const sent = engine.graphs[0]!.nodes.find((n) => n.id === 'sampler')!;
    expect(sent.params.seed).toBe(5);
    const now = editorStore.getState().history.present.nodes.find((n) => n.id === 'sampler')!;
    expect(now.params.seed).toBe(6);
  });

  it('keeps runs with their graph: a replaced graph cancels its jobs and shows none of their events', async () => {
    const a = queueRun()!;
    await tick();
    const job = engine.running.get(a)!;
    job.emit({ type: 'node:done', jobId: a, nodeId: 'load', ms: 1 });
    expect(editorStore.getState().run.nodes.load?.status).toBe('done');
    // New (the same ids can come back): the old run is cancelled and nothing of it shows.
    openGraph({ graph: smallGraph(), warnings: [] }, { source: 'again', quiet: true });
    await tick();
    expect(engine.cancelled).toEqual([a]);
    job.emit({ type: 'node:done', jobId: a, nodeId: 'preview', ms: 1 });
    const artifact = {
      kind: 'image' as const,
      fileName: 'x.png',
      image: { width: 1, height: 1, data: new Uint8Array(3) },
    };
    job.emit({ type: 'node:output', jobId: a, nodeId: 'preview', artifact });
    const run = editorStore.getState().run;
    expect(run.nodes).toEqual({});
    expect(run.outputs).toEqual({});
    expect(run.jobs).toEqual([]);
  });

  it('a later success takes the "Run failed" notice away', async () => {
    const a = queueRun()!;
    await tick();
    engine.running.get(a)!.finish({ jobId: a, status: 'failed', artifacts: [], error: { message: 'boom' } });
    await tick();
    await tick();
    expect(editorStore.getState().notice?.text).toBe('Run failed: boom');
    const b = queueRun()!;
    await tick();
    await tick();
    engine.running.get(b)!.finish({ jobId: b, status: 'done', artifacts: [] });
    await tick();
    await tick();
    expect(editorStore.getState().notice).toBeUndefined();
  });

  it('a run started in one tab keeps updating that tab while another is shown', async () => {
    const firstTab = editorStore.getState().tabId;
    const a = queueRun()!;
    await tick();
    newTab();
    expect(editorStore.getState().run.jobs).toEqual([]);
    engine.running.get(a)!.emit({ type: 'node:done', jobId: a, nodeId: 'load', ms: 1 });
    expect(editorStore.getState().run.nodes).toEqual({});
    expect(engine.cancelled).toEqual([]);
    switchTab(firstTab);
    expect(editorStore.getState().run.nodes.load?.status).toBe('done');
    expect(phases()).toEqual(['running']);
  });
});
