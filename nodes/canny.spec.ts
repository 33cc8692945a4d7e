import type { NodeSpec } from '../src/core/node-spec';

/** Canny Edges as data (ports, params, docs) for the editor; its execute is in canny.ts. */
export const cannySpec: NodeSpec = {
  type: 'image.canny',
  typeVersion: 1,
  title: 'Canny Edges',
  category: 'image',
  description: 'Finds edges with the Canny detector (white edges on black), e.g. for a canny ControlNet.',
  inputs: [{ name: 'image', type: 'IMAGE' }],
  outputs: [{ name: 'image', type: 'IMAGE' }],
  params: [
    { kind: 'int', name: 'low_threshold', label: 'Low threshold', default: 100, min: 0, max: 255, step: 1 },
    { kind: 'int', name: 'high_threshold', label: 'High threshold', default: 200, min: 0, max: 255, step: 1 },
  ],
};
