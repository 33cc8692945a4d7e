import type { NodeDefinition } from '../../src/core/node-definition';
import { requireComponent, requireKosmosConstants } from '../../src/runtime/models/model-set';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { AlignerValue, MllmValue } from '../values';
import { loadKosmosGSpec } from './load-kosmos-g.spec';

/**
 * Opens a Kosmos-G encoder folder (`kosmograph-export kosmos-g`: kosmos-g.json with the vision tower,
 * MLLM, AlignerNet and tokenizer; docs/kosmos-g.md) and hands out its MLLM and aligner for MLLM Encode
 * and Align. The U-Net, VAE (and CLIP, for comparisons) come from a Load Checkpoint of an SD1.5 folder:
 * Kosmos-G's aligned output replaces CLIP's in an unchanged U-Net. A kosmograph pack works too.
 */
export const loadKosmosGNode: NodeDefinition<RuntimeServices> = {
  ...loadKosmosGSpec,
  async preflight({ params, services, signal }) {
    const pack = await services.models.openPack(stringParam(params, 'encoder'), signal);
    return { outputs: { mllm: { kind: 'mllm', pack }, aligner: { kind: 'aligner', pack } } };
  },
  async cacheSalt(params, services, signal) {
    return (await services.models.openPack(stringParam(params, 'encoder'), signal)).id;
  },
  async execute({ params, services, signal }) {
    const pack = await services.models.openPack(stringParam(params, 'encoder'), signal);
    requireKosmosConstants(pack.models, 'Load Kosmos-G');
    for (const role of ['vision', 'mllm', 'aligner'] as const) requireComponent(pack.models, role);
    const mllm: MllmValue = { kind: 'mllm', pack };
    const aligner: AlignerValue = { kind: 'aligner', pack };
    return { outputs: { mllm, aligner } };
  },
};
