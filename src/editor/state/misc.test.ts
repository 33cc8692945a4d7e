import { describe, expect, it, vi } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { emptyGraph } from '../../core/document';
import { AUTOSAVE_KEY, debounce, parseAutosave, parseAutosaveTabs } from './autosave';
import { addNode, connect } from './graph-ops';
import { autoLayout } from './layout';
import { checkMarkers, countMarkers, splitMarkers } from './prompt-markers';
import { advanceSeeds, nextSeed } from './seed';

const registry = createNodeRegistry();
const lookup = registry.lookup;

describe('auto layout', () => {
  it('places upstream nodes left of downstream ones without overlap', () => {
    let doc = addNode(emptyGraph(), lookup('image.load')!, { x: 0, y: 0 }).doc;
    doc = addNode(doc, lookup('image.canny')!, { x: 0, y: 0 }).doc;
    doc = addNode(doc, lookup('image.preview')!, { x: 0, y: 0 }).doc;
    for (const [a, b] of [
      ['load', 'canny'],
      ['canny', 'preview'],
    ] as const) {
      const r = connect(doc, { node: a, port: 'image' }, { node: b, port: 'image' }, lookup);
      if (!r.ok) throw new Error(r.reason);
      doc = r.doc;
    }
    const pos = autoLayout(doc, lookup);
    expect(pos.load!.x).toBeLessThan(pos.canny!.x);
    expect(pos.canny!.x).toBeLessThan(pos.preview!.x);
    expect(pos.canny!.x - pos.load!.x).toBeGreaterThanOrEqual(260);
  });
});

describe('seed control', () => {
  it('keeps, increments or randomises seeds', () => {
    expect(nextSeed('fixed', 7, () => 0.5)).toBe(7);
    expect(nextSeed('increment', 7, () => 0.5)).toBe(8);
    expect(nextSeed('random', 7, () => 0.5)).toBe(2 ** 31);
    const doc = addNode(emptyGraph(), lookup('sampling.sampler')!, { x: 0, y: 0 }).doc;
    expect(advanceSeeds(doc, {}, lookup, Math.random)).toBe(doc);
    const next = advanceSeeds(doc, { 'sampler.seed': 'increment' }, lookup, Math.random);
    expect(next.nodes[0]!.params.seed).toBe(1);
  });
});

describe('interleaved prompt markers', () => {
  it('splits and counts <i> markers', () => {
    expect(splitMarkers('<i> and <i> on black')).toEqual([
      { text: '<i>', marker: true, index: 1 },
      { text: ' and ', marker: false },
      { text: '<i>', marker: true, index: 2 },
      { text: ' on black', marker: false },
    ]);
    expect(countMarkers('a red circle')).toBe(0);
  });

  it('checks markers against connected images', () => {
    const ports = ['image1', 'image2', 'image3', 'image4'];
    expect(checkMarkers('<i> on black', ['image1'], ports)).toBeUndefined();
    expect(checkMarkers('<i> and <i>', ['image1'], ports)).toBe('2 <i> markers but 1 image connected');
    expect(checkMarkers('<i>', ['image2'], ports)).toMatch(/in order/);
  });
});

describe('autosave', () => {
  it('reads back a saved record and rejects junk', () => {
    const graph = addNode(emptyGraph(), lookup('image.load')!, { x: 0, y: 0 }).doc;
    const restored = parseAutosave({ v: 1, savedAt: 1, graph, seedModes: { 'a.seed': 'random' } }, lookup);
    expect(restored?.loaded.graph.nodes[0]?.id).toBe('load');
    expect(restored?.seedModes).toEqual({ 'a.seed': 'random' });
    expect(parseAutosave(undefined, lookup)).toBeUndefined();
    expect(parseAutosave({ v: 1, savedAt: 1, graph: { format: 'nope' } }, lookup)).toBeUndefined();
    expect(AUTOSAVE_KEY).toMatch(/kosmograph/);
  });

  it('restores every tab (v2) and the active one; a v1 record is one tab; broken tabs are left out', () => {
    const a = addNode(emptyGraph(), lookup('image.load')!, { x: 0, y: 0 }).doc;
    const b = addNode(emptyGraph(), lookup('sampling.sampler')!, { x: 0, y: 0 }).doc;
    const image = { name: 'blue.png', bytes: 100, width: 128, height: 128 };
    const record = {
      v: 2,
      savedAt: 1,
      tabs: [
        { graph: a },
        { graph: { format: 'nope' } },
        { graph: b, seedModes: { 'sampler.seed': 'increment' } },
      ],
      active: 2,
      images: { 'data:image/png;base64,AAAA': image },
    };
    const restored = parseAutosaveTabs(record, lookup);
    expect(restored?.tabs.map((t) => t.loaded.graph.nodes[0]?.id)).toEqual(['load', 'sampler']);
    expect(restored?.active).toBe(1);
    expect(restored?.tabs[1]?.seedModes).toEqual({ 'sampler.seed': 'increment' });
    expect(restored?.images['data:image/png;base64,AAAA']).toEqual(image);
    const v1 = parseAutosaveTabs({ v: 1, savedAt: 1, graph: a }, lookup);
    expect(v1?.tabs).toHaveLength(1);
    expect(v1?.active).toBe(0);
    expect(parseAutosaveTabs({ v: 2, savedAt: 1, tabs: [], active: 0 }, lookup)).toBeUndefined();
  });

  it('debounces to the last value', () => {
    vi.useFakeTimers();
    try {
      const seen: number[] = [];
      const d = debounce((v: number) => seen.push(v), 500);
      d.schedule(1);
      d.schedule(2);
      vi.advanceTimersByTime(499);
      expect(seen).toEqual([]);
      d.schedule(3);
      vi.advanceTimersByTime(500);
      expect(seen).toEqual([3]);
      d.schedule(4);
      d.flush();
      expect(seen).toEqual([3, 4]);
    } finally {
      vi.useRealTimers();
    }
  });
});
