import { describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../../../nodes/index';
import { emptyGraph, type GraphDocument } from '../../core/document';
import { addNode, connect } from './graph-ops';
import { fitZoom, mainPath, READABLE_ZOOM, readableFitTargets } from './readable-fit';

const lookup = createNodeRegistry().lookup;

/** pack -> clip encode -> sampler <- empty; sampler -> decode -> save, laid out in a row 400 px apart. */
function row(): GraphDocument {
  let doc = emptyGraph();
  const types = [
    'models.pack',
    'conditioning.clip_text_encode',
    'latent.empty',
    'sampling.sampler',
    'latent.vae_decode',
    'image.save',
  ];
  types.forEach((type, i) => {
    doc = addNode(doc, lookup(type)!, { x: i * 400, y: 0 }).doc;
  });
  for (const [a, ap, b, bp] of [
    ['pack', 'clip', 'clip_text_encode', 'clip'],
    ['pack', 'unet', 'sampler', 'unet'],
    ['clip_text_encode', 'positive', 'sampler', 'positive'],
    ['clip_text_encode', 'negative', 'sampler', 'negative'],
    ['empty', 'latent', 'sampler', 'latent'],
    ['pack', 'vae', 'vae_decode', 'vae'],
    ['sampler', 'latent', 'vae_decode', 'latent'],
    ['vae_decode', 'image', 'save', 'image'],
  ] as const) {
    const r = connect(doc, { node: a, port: ap }, { node: b, port: bp }, lookup);
    if (!r.ok) throw new Error(r.reason);
    doc = r.doc;
  }
  return doc;
}

const sizes = Object.fromEntries(
  ['pack', 'clip_text_encode', 'empty', 'sampler', 'vae_decode', 'save'].map((id) => [
    id,
    { width: 300, height: 200 },
  ]),
);

describe('readable fit', () => {
  it('finds the main path: the longest chain into an output', () => {
    expect(mainPath(row(), lookup)).toEqual(['pack', 'clip_text_encode', 'sampler', 'vae_decode', 'save']);
    expect(mainPath(emptyGraph(), lookup)).toEqual([]);
  });

  it('fits everything when it is readable, else as much of the main path as is, from the output end', () => {
    const doc = row();
    const wide = { width: 2600, height: 800 };
    expect(readableFitTargets(doc, lookup, sizes, wide, 0.1)).toHaveLength(6);
    const narrow = { width: 1000, height: 700 };
    const targets = readableFitTargets(doc, lookup, sizes, narrow, 0.1);
    expect(targets).toEqual(['sampler', 'vae_decode', 'save'].slice(-targets.length));
    expect(targets.length).toBeGreaterThan(0);
    expect(fitZoom(doc, targets, sizes, narrow, 0.1)).toBeGreaterThanOrEqual(READABLE_ZOOM);
    expect(fitZoom(doc, ['clip_text_encode', ...targets], sizes, narrow, 0.1)).toBeLessThan(READABLE_ZOOM);
  });

  it('adds other output nodes when they still fit readably', () => {
    const withLatent = (x: number, y: number) => {
      let doc = addNode(row(), lookup('latent.save')!, { x, y }, 'save_latent').doc;
      const r = connect(
        doc,
        { node: 'sampler', port: 'latent' },
        { node: 'save_latent', port: 'latent' },
        lookup,
      );
      if (!r.ok) throw new Error(r.reason);
      doc = r.doc;
      return doc;
    };
    const all = { ...sizes, save_latent: { width: 300, height: 200 } };
    const view = { width: 1000, height: 700 };
    expect(readableFitTargets(withLatent(1600, 250), lookup, all, view, 0.1)).toContain('save_latent');
    expect(readableFitTargets(withLatent(1600, 3000), lookup, all, view, 0.1)).not.toContain('save_latent');
  });
});
