import type { NodeSpec } from '../../src/core/node-spec';

/** Align (AlignerNet) as data (ports, params, docs) for the editor; its execute is in align.ts. */
export const alignSpec: NodeSpec = {
  type: 'conditioning.align',
  typeVersion: 1,
  title: 'Align (AlignerNet)',
  category: 'conditioning',
  description: "Maps MLLM hidden states into the U-Net's CLIP conditioning space.",
  inputs: [
    { name: 'aligner', type: 'ALIGNER' },
    { name: 'hidden', type: 'MLLM_HIDDEN' },
  ],
  outputs: [
    { name: 'positive', type: 'CONDITIONING' },
    { name: 'negative', type: 'CONDITIONING' },
  ],
  params: [],
};
