import type { NodeSpec } from '../../src/core/node-spec';

/** Load Kosmos-G as data (ports, params, docs) for the editor; its execute is in load-kosmos-g.ts. */
export const loadKosmosGSpec: NodeSpec = {
  type: 'models.kosmos_g',
  typeVersion: 1,
  title: 'Load Kosmos-G',
  category: 'models',
  description:
    'Opens a Kosmos-G encoder folder (kosmos-g.json from kosmograph-export kosmos-g) and hands out its MLLM and aligner.',
  inputs: [],
  outputs: [
    { name: 'mllm', type: 'MLLM' },
    { name: 'aligner', type: 'ALIGNER' },
  ],
  params: [
    {
      kind: 'string',
      name: 'encoder',
      label: 'Encoder folder',
      default: 'reference',
      description: 'a folder with kosmos-g.json (or a kosmograph pack); "reference" is the built-in pack',
    },
  ],
};
