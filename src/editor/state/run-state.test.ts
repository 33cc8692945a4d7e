import { describe, expect, it } from 'vitest';
import { applyEvent, emptyRunState, enqueueJob, nextQueued, updateJob } from './run-state';

describe('run state', () => {
  it('follows a job from queue to done', () => {
    let s = enqueueJob(emptyRunState(), 'j1', 'Run 1');
    s = enqueueJob(s, 'j2', 'Run 2');
    expect(nextQueued(s)?.id).toBe('j1');
    s = applyEvent(s, { type: 'job:start', jobId: 'j1', nodeIds: ['a', 'b', 'c'] });
    expect(nextQueued(s)).toBeUndefined();
    expect(s.nodes.a?.status).toBe('queued');
    s = applyEvent(s, { type: 'node:cached', jobId: 'j1', nodeId: 'a' });
    s = applyEvent(s, { type: 'node:start', jobId: 'j1', nodeId: 'b' });
    const preview = { width: 1, height: 1, data: new Uint8Array(3) };
    s = applyEvent(s, { type: 'node:progress', jobId: 'j1', nodeId: 'b', step: 3, total: 20, preview });
    expect(s.nodes.b).toEqual({ status: 'running', step: 3, total: 20, preview });
    s = applyEvent(s, { type: 'node:done', jobId: 'j1', nodeId: 'b', ms: 5 });
    expect(s.nodes.b).toMatchObject({ status: 'done', step: 20, total: 20 });
    const artifact = { kind: 'image' as const, fileName: 'x.png', image: preview };
    s = applyEvent(s, { type: 'node:output', jobId: 'j1', nodeId: 'c', artifact });
    s = applyEvent(s, { type: 'job:done', jobId: 'j1', ms: 9, executed: 2, cached: 1 });
    expect(s.nodes.c).toBeUndefined();
    expect(s.outputs.c).toEqual([{ jobId: 'j1', artifact }]);
    expect(s.jobs[0]).toMatchObject({ phase: 'done', ms: 9 });
    expect(nextQueued(s)?.id).toBe('j2');
  });

  it("keeps a node's warnings through its end and forgets them when the next job starts", () => {
    let s = enqueueJob(emptyRunState(), 'j1', 'Run 1');
    s = applyEvent(s, { type: 'job:start', jobId: 'j1', nodeIds: ['lora', 'save'] });
    s = applyEvent(s, { type: 'node:start', jobId: 'j1', nodeId: 'lora' });
    s = applyEvent(s, {
      type: 'node:warning',
      jobId: 'j1',
      nodeId: 'lora',
      message: 'key a matched nothing',
    });
    s = applyEvent(s, {
      type: 'node:warning',
      jobId: 'j1',
      nodeId: 'lora',
      message: 'key b matched nothing',
    });
    expect(s.nodes.lora).toEqual({
      status: 'running',
      warnings: ['key a matched nothing', 'key b matched nothing'],
    });
    s = applyEvent(s, { type: 'node:done', jobId: 'j1', nodeId: 'lora', ms: 3 });
    s = applyEvent(s, { type: 'job:done', jobId: 'j1', ms: 9, executed: 2, cached: 0 });
    expect(s.nodes.lora).toMatchObject({
      status: 'done',
      warnings: ['key a matched nothing', 'key b matched nothing'],
    });
    s = applyEvent(enqueueJob(s, 'j2', 'Run 2'), { type: 'job:start', jobId: 'j2', nodeIds: ['lora'] });
    s = applyEvent(s, { type: 'node:cached', jobId: 'j2', nodeId: 'lora' });
    expect(s.nodes.lora).toEqual({ status: 'cached' });
  });

  it('puts errors on nodes and keeps issues of a failed job', () => {
    let s = enqueueJob(emptyRunState(), 'j1', 'Run 1');
    s = applyEvent(s, { type: 'job:start', jobId: 'j1', nodeIds: ['p'] });
    s = applyEvent(s, {
      type: 'job:failed',
      jobId: 'j1',
      nodeId: 'p',
      message: 'bad prompt',
      issues: [{ code: 'missing_input', nodeId: 'p', port: 'image1', message: 'missing' }],
    });
    expect(s.nodes.p).toEqual({ status: 'error', message: 'bad prompt' });
    expect(s.issues).toHaveLength(1);
    expect(s.jobs[0]?.phase).toBe('failed');
  });

  it('cancels and caps the job list', () => {
    let s = emptyRunState();
    for (let i = 0; i < 30; i++) s = updateJob(enqueueJob(s, `j${i}`, 'r'), `j${i}`, { phase: 'done' });
    expect(s.jobs.length).toBeLessThanOrEqual(20);
    s = enqueueJob(s, 'c', 'r');
    s = applyEvent(s, { type: 'job:cancelled', jobId: 'c' });
    expect(s.jobs.at(-1)?.phase).toBe('cancelled');
  });
});
