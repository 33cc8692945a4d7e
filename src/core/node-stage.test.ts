import { describe, expect, it } from 'vitest';
import { describeStage, etaText, megabytes } from './node-stage';

describe('describeStage', () => {
  it('says what a node is busy with, in words a user reads', () => {
    expect(describeStage({ stage: 'loading', bytes: 3_100_000, totalBytes: 12_400_000 })).toBe(
      'loading model (3.1 MB of 12 MB)',
    );
    expect(describeStage({ stage: 'loading' })).toBe('loading model');
    expect(describeStage({ stage: 'compiling', model: 'unet' })).toBe('compiling model');
    expect(describeStage({ stage: 'running', step: 4, total: 20, etaMs: 3200 })).toBe(
      'running step 4/20, about 3 s left',
    );
    expect(describeStage({ stage: 'running', step: 0, total: 20, etaMs: 0 })).toBe('running step 0/20');
    expect(describeStage({ stage: 'running', step: 20, total: 20, etaMs: 0 })).toBe('running step 20/20');
    expect(describeStage({ stage: 'running' })).toBe('running');
  });

  it('rounds sizes and times', () => {
    expect(megabytes(0)).toBe('0.0 MB');
    expect(megabytes(9_949_999)).toBe('9.9 MB');
    expect(megabytes(1_500_000_000)).toBe('1500 MB');
    expect(etaText(100)).toBe('about 1 s left');
    expect(etaText(600_000)).toBe('about 10 min left');
  });
});
