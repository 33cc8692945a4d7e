import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { emptyGraph } from '../../core/document';
import { validateGraph } from '../../core/validate';
import {
  addNode,
  connect,
  connectReplacing,
  deleteNodes,
  edgeId,
  moveNodes,
  removeEdges,
  setParam,
  setTitle,
} from './graph-ops';

const registry = createNodeRegistry();
const lookup = registry.lookup;
const spec = (type: string) => registry.lookup(type)!;

function textToImage() {
  let doc = emptyGraph();
  for (const type of [
    'models.pack',
    'conditioning.clip_text_encode',
    'latent.empty',
    'sampling.sampler',
    'latent.vae_decode',
    'image.save',
  ]) {
    doc = addNode(doc, spec(type), { x: 0, y: 0 }).doc;
  }
  const wires: [string, string, string, string][] = [
    ['pack', 'clip', 'clip_text_encode', 'clip'],
    ['pack', 'vae', 'empty', 'vae'],
    ['pack', 'unet', 'sampler', 'unet'],
    ['clip_text_encode', 'positive', 'sampler', 'positive'],
    ['clip_text_encode', 'negative', 'sampler', 'negative'],
    ['empty', 'latent', 'sampler', 'latent'],
    ['pack', 'vae', 'vae_decode', 'vae'],
    ['sampler', 'latent', 'vae_decode', 'latent'],
    ['vae_decode', 'image', 'save', 'image'],
  ];
  for (const [a, ap, b, bp] of wires) {
    const r = connect(doc, { node: a, port: ap }, { node: b, port: bp }, lookup);
    if (!r.ok) throw new Error(r.reason);
    doc = r.doc;
  }
  return doc;
}

describe('graph ops', () => {
  it('builds a valid text-to-image graph', () => {
    const doc = textToImage();
    expect(doc.nodes.map((n) => n.id)).toEqual([
      'pack',
      'clip_text_encode',
      'empty',
      'sampler',
      'vae_decode',
      'save',
    ]);
    expect(validateGraph(doc, lookup)).toEqual([]);
    expect(doc.nodes.find((n) => n.id === 'sampler')!.params.steps).toBe(20);
  });

  it('refuses type mismatches, second edges and cycles with a reason', () => {
    const doc = textToImage();
    const mismatch = connect(doc, { node: 'pack', port: 'vae' }, { node: 'sampler', port: 'unet' }, lookup);
    expect(mismatch).toMatchObject({ ok: false });
    expect(!mismatch.ok && mismatch.reason).toMatch(/type mismatch: VAE/);
    const taken = connect(
      doc,
      { node: 'empty', port: 'latent' },
      { node: 'vae_decode', port: 'latent' },
      lookup,
    );
    expect(!taken.ok && taken.reason).toMatch(/already connected/);
    const withEncode = addNode(doc, spec('latent.vae_encode'), { x: 0, y: 0 }).doc;
    const a = connect(
      withEncode,
      { node: 'vae_decode', port: 'image' },
      { node: 'vae_encode', port: 'image' },
      lookup,
    );
    expect(a.ok).toBe(true);
  });

  it('deletes nodes with their edges and layout', () => {
    const doc = deleteNodes(textToImage(), new Set(['sampler']));
    expect(doc.nodes.some((n) => n.id === 'sampler')).toBe(false);
    expect(doc.edges.some((e) => e.to.node === 'sampler' || e.from.node === 'sampler')).toBe(false);
    expect(doc.layout?.nodes.sampler).toBeUndefined();
  });

  it('removes edges by id, sets params, titles and positions', () => {
    const doc = textToImage();
    const edge = doc.edges[0]!;
    expect(removeEdges(doc, new Set([edgeId(edge)])).edges).toHaveLength(doc.edges.length - 1);
    const edited = setParam(doc, 'sampler', 'steps', 5);
    expect(edited.nodes.find((n) => n.id === 'sampler')!.params.steps).toBe(5);
    expect(setParam(edited, 'sampler', 'steps', 5)).toBe(edited);
    expect(setTitle(doc, 'save', 'Out').nodes.find((n) => n.id === 'save')!.title).toBe('Out');
    expect(moveNodes(doc, { save: { x: 5, y: 6 }, ghost: { x: 1, y: 1 } }).layout?.nodes).toMatchObject({
      save: { x: 5, y: 6 },
    });
  });

  it('replaces the wire into a taken input (one edit), and still refuses wrong types', () => {
    let doc = textToImage();
    doc = addNode(doc, spec('latent.empty'), { x: 0, y: 0 }).doc; // empty_2
    const into = { node: 'sampler', port: 'latent' };
    expect(connect(doc, { node: 'empty_2', port: 'latent' }, into, lookup).ok).toBe(false);
    const r = connectReplacing(doc, { node: 'empty_2', port: 'latent' }, into, lookup);
    if (!r.ok) throw new Error(r.reason);
    const feeding = r.doc.edges.filter((e) => e.to.node === 'sampler' && e.to.port === 'latent');
    expect(feeding.map((e) => e.from.node)).toEqual(['empty_2']);
    expect(r.doc.edges).toHaveLength(doc.edges.length);
    const wrong = connectReplacing(doc, { node: 'pack', port: 'vae' }, into, lookup);
    expect(wrong.ok).toBe(false);
    expect(connectReplacing(doc, { node: 'empty', port: 'latent' }, into, lookup)).toEqual({ ok: true, doc });
  });
});
