import { encode as encodeFastPng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { PNG_GRAPH_KEYWORD } from '../core/graph-png';
import { writePngITXtChunks } from '../core/png-metadata';
import { droppedBytesKind } from './dropped-file';

const png = () =>
  new Uint8Array(
    encodeFastPng({
      width: 2,
      height: 1,
      data: Uint8Array.of(0, 0, 0, 255, 255, 255),
      channels: 3,
      depth: 8,
    }),
  );

describe('a file dropped on the canvas', () => {
  it('is an image when it is a PNG without a graph, or a JPEG', () => {
    expect(droppedBytesKind(png())).toBe('image');
    expect(droppedBytesKind(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0))).toBe('image');
  });

  it('is a graph when it is a PNG that carries one, or anything else', () => {
    expect(droppedBytesKind(writePngITXtChunks(png(), [{ keyword: PNG_GRAPH_KEYWORD, text: '{}' }]))).toBe(
      'graph',
    );
    expect(droppedBytesKind(writePngITXtChunks(png(), [{ keyword: 'prompt', text: '{}' }]))).toBe('graph');
    expect(droppedBytesKind(new TextEncoder().encode('{"format":"kosmograph.graph"}'))).toBe('graph');
  });
});
