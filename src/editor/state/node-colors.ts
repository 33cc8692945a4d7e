import type { GraphDocument } from '../../core/document';

/** The colours a node can be given (ComfyUI's node palette, as #rrggbb): looks only, saved in the layout. */
export const NODE_COLORS: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'red', value: '#b33a3a' },
  { name: 'brown', value: '#8a5a2b' },
  { name: 'green', value: '#3f7f3f' },
  { name: 'blue', value: '#3a5ab3' },
  { name: 'cyan', value: '#2f8a8a' },
  { name: 'purple', value: '#7a3fa0' },
  { name: 'yellow', value: '#b3962e' },
  { name: 'black', value: '#222222' },
];

/** `doc` with node `id` coloured `color` (`undefined`: no colour); unchanged for a node without a place. */
export function setNodeColor(doc: GraphDocument, id: string, color: string | undefined): GraphDocument {
  const place = doc.layout?.nodes[id];
  if (!place || place.color === color) return doc;
  const { color: _old, ...rest } = place;
  const next = color === undefined ? rest : { ...rest, color };
  return { ...doc, layout: { ...doc.layout, nodes: { ...doc.layout?.nodes, [id]: next } } };
}
