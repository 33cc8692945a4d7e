import type { NodeSpec } from '../../src/core/node-spec';

/** MLLM Encode as data (ports, params, docs) for the editor; its execute is in mllm-encode.ts. */
export const mllmEncodeSpec: NodeSpec = {
  type: 'conditioning.mllm_encode',
  typeVersion: 1,
  title: 'MLLM Encode',
  category: 'conditioning',
  description: 'Encodes an interleaved prompt with the vision tower and the multimodal LLM (Kosmos-G).',
  inputs: [
    { name: 'mllm', type: 'MLLM' },
    { name: 'prompt', type: 'PROMPT' },
  ],
  outputs: [{ name: 'hidden', type: 'MLLM_HIDDEN' }],
  params: [{ kind: 'string', name: 'negative', label: 'Negative prompt', default: '', multiline: true }],
};
