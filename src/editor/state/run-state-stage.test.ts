import { describe, expect, it } from 'vitest';
import { applyEvent, emptyRunState, enqueueJob } from './run-state';

describe('run state: node stages', () => {
  it('shows the latest stage in words while the node runs, keeps it through progress, drops it when done', () => {
    let s = enqueueJob(emptyRunState(), 'j1', 'Run 1');
    s = applyEvent(s, { type: 'job:start', jobId: 'j1', nodeIds: ['sampler'] });
    s = applyEvent(s, { type: 'node:start', jobId: 'j1', nodeId: 'sampler' });
    const model = 'unet (unet/model.onnx) of shapes-world';
    s = applyEvent(s, {
      type: 'node:stage',
      jobId: 'j1',
      nodeId: 'sampler',
      stage: 'loading',
      model,
      bytes: 0,
      totalBytes: 2_400_000,
    });
    expect(s.nodes.sampler).toEqual({
      status: 'running',
      stage: 'loading model (0.0 MB of 2.4 MB)',
      stageModel: model,
    });
    s = applyEvent(s, { type: 'node:stage', jobId: 'j1', nodeId: 'sampler', stage: 'compiling', model });
    expect(s.nodes.sampler?.stage).toBe('compiling model');
    s = applyEvent(s, {
      type: 'node:stage',
      jobId: 'j1',
      nodeId: 'sampler',
      stage: 'running',
      step: 2,
      total: 20,
      etaMs: 4000,
    });
    expect(s.nodes.sampler).toEqual({ status: 'running', stage: 'running step 2/20, about 4 s left' });
    s = applyEvent(s, { type: 'node:progress', jobId: 'j1', nodeId: 'sampler', step: 2, total: 20 });
    expect(s.nodes.sampler).toEqual({
      status: 'running',
      step: 2,
      total: 20,
      stage: 'running step 2/20, about 4 s left',
    });
    s = applyEvent(s, { type: 'node:done', jobId: 'j1', nodeId: 'sampler', ms: 5 });
    expect(s.nodes.sampler).toEqual({ status: 'done', ms: 5, step: 20, total: 20 });
  });
});
