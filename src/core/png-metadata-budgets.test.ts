/**
 * Issue 14's text-chunk bombs, built in memory: 160 compressed iTXt chunks of 63 MiB each (under
 * the per-chunk cap, 10 GiB together) and one zTXt of 2 GiB stop at the budgets with a message
 * naming the limit, for the chunk reader and for graph PNGs.
 */
import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../nodes/index';
import { concat, latin1, pngChunk, pngFile, zlibBomb } from '../../test/fixtures/deflate-bomb';
import { readGraphFromPng } from './graph-png';
import { LIMIT_DEFAULTS } from './limits';
import { readPngTextChunks } from './png-metadata';

const MiB = 1024 * 1024;
const lookup = createNodeRegistry().lookup;

const itxtBombs = (() => {
  const bomb = zlibBomb(63 * MiB);
  const chunk = pngChunk('iTXt', concat(latin1('kosmograph\0\x01\x00\0\0'), bomb));
  return pngFile(1, 1, new Array(160).fill(chunk));
})();

describe('PNG text chunk budgets', () => {
  it('stops 160 compressed iTXt chunks of 63 MiB at png-total-bytes, naming the PNG of a graph', () => {
    // The graph reader wraps the chunk reader's PngMetadataError with the file's name.
    expect(() => readGraphFromPng(itxtBombs, lookup, 'shared.png')).toThrow(
      'shared.png: damaged PNG (the compressed chunks of this PNG inflate to more than 134217728 bytes in total (limit png-total-bytes = 134217728; raise it with --limit png-total-bytes=N))',
    );
  });

  it('stops a zTXt of 2 GiB at png-chunk-bytes, and a raised limit lets a big chunk through', () => {
    const ztxt = pngFile(1, 1, [pngChunk('zTXt', concat(latin1('Comment\0\0'), zlibBomb(2 ** 31)))]);
    expect(() => readPngTextChunks(ztxt)).toThrow(
      /^zTXt "Comment" inflates to more than 67108864 bytes \(limit png-chunk-bytes = 67108864; raise it with --limit png-chunk-bytes=N\)$/,
    );
    const four = pngFile(1, 1, [pngChunk('zTXt', concat(latin1('Comment\0\0'), zlibBomb(4 * MiB)))]);
    expect(() => readPngTextChunks(four, { ...LIMIT_DEFAULTS, 'png-chunk-bytes': 2 * MiB })).toThrow(
      /inflates to more than 2097152 bytes/,
    );
    expect(readPngTextChunks(four)[0]!.text.length).toBeGreaterThanOrEqual(4 * MiB);
  });
});
