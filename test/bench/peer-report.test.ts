// bench:peer's own checks: medians and goals, and the artifact check that makes a non-finite run fail.
import { describe, expect, it } from 'vitest';
import { checkArtifacts } from '../../bench/peer-kosmograph';
import { formatTable, median, timeRow } from '../../bench/peer-report';
import { encodeLatentFile } from '../../nodes/latent-file/latent-codec';
import type { Artifact } from '../../src/core/node-definition';
import { float32Tensor } from '../../src/runtime/ort/tensor-data';

const latentArtifact = (values: Float32Array, side: number): { nodeId: string; artifact: Artifact } => ({
  nodeId: 'latent',
  artifact: {
    kind: 'file',
    fileName: 'latent.latent',
    mediaType: 'application/octet-stream',
    bytes: encodeLatentFile(float32Tensor(values, [1, 4, side, side])),
  },
});

describe('peer report', () => {
  it('takes medians of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('no samples');
  });

  it('compares the subject with each side against its goal', () => {
    const row = timeRow(
      'step',
      { kosmograph: [10, 12, 11], PyTorch: [10, 10, 10], ORT: [11, 11, 11] },
      'kosmograph',
      [
        { side: 'PyTorch', against: 'PyTorch', goal: 1.0 },
        { side: 'ORT', against: 'ORT floor', goal: 1.05 },
      ],
    );
    expect(row.goals.map((g) => [g.ratio, g.ok])).toEqual([
      [1.1, false],
      [1, true],
    ]);
    expect(formatTable([row], ['kosmograph', 'PyTorch'])).toContain('1.10x PyTorch (<= 1.00) MISSED');
    expect(() =>
      timeRow('x', { kosmograph: [1] }, 'kosmograph', [{ side: 'PyTorch', against: 'p', goal: 1 }]),
    ).toThrow('no samples of PyTorch');
  });
});

describe('peer run check', () => {
  it('accepts a finite latent of the expected size', () => {
    expect(() =>
      checkArtifacts([latentArtifact(new Float32Array(4 * 8 * 8).fill(0.5), 8)], 64, false),
    ).not.toThrow();
  });

  it('fails a run whose latent is non-finite, of the wrong size, or missing', () => {
    const nan = new Float32Array(4 * 8 * 8).fill(0.5);
    nan[17] = Number.NaN;
    expect(() => checkArtifacts([latentArtifact(nan, 8)], 64, false)).toThrow('non-finite');
    expect(() => checkArtifacts([latentArtifact(new Float32Array(4 * 4 * 4), 4)], 64, false)).toThrow(
      'expected 8 x 8',
    );
    expect(() => checkArtifacts([], 64, false)).toThrow('no latent');
    expect(() => checkArtifacts([latentArtifact(new Float32Array(4 * 8 * 8), 8)], 64, true)).toThrow(
      'no PNG',
    );
  });
});
