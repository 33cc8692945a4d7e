import type { NodeSpec } from '../../src/core/node-spec';

/** CLIP Text Encode as data (ports, params, docs) for the editor; its execute is in clip-text-encode.ts. */
export const clipTextEncodeSpec: NodeSpec = {
  type: 'conditioning.clip_text_encode',
  typeVersion: 1,
  title: 'CLIP Text Encode',
  category: 'conditioning',
  description:
    'Encodes a text prompt (and a negative prompt) with the CLIP text encoder (the SD1.5 baseline; no images).',
  inputs: [{ name: 'clip', type: 'CLIP' }],
  outputs: [
    { name: 'positive', type: 'CONDITIONING' },
    { name: 'negative', type: 'CONDITIONING' },
  ],
  params: [
    { kind: 'string', name: 'text', label: 'Prompt', default: 'a red circle', multiline: true },
    { kind: 'string', name: 'negative', label: 'Negative prompt', default: '', multiline: true },
  ],
};
