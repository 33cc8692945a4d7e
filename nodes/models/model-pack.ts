import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import type { AlignerValue, ClipValue, MllmValue, UnetValue, VaeValue } from '../values';
import { modelPackSpec } from './model-pack.spec';
import { openPackParam, packParamSalt } from './pack-param';

/**
 * Opens a model pack (the built-in reference pack by default, or a folder /
 * URL with a manifest.json) and hands out its models. Loading a pack only
 * verifies it; each model is loaded into a session by the node that runs it.
 */
export const modelPackNode: NodeDefinition<RuntimeServices> = {
  ...modelPackSpec,
  cacheSalt: packParamSalt,
  // Its U-Net and VAE (the pack opened: manifest and hashes, no session) for the checks downstream.
  async preflight({ params, services, signal }) {
    const pack = await openPackParam(params, services, signal);
    return { outputs: { unet: { kind: 'unet', pack, loras: [] }, vae: { kind: 'vae', pack } } };
  },
  async execute({ params, services, signal }) {
    const pack = await openPackParam(params, services, signal);
    const unet: UnetValue = { kind: 'unet', pack, loras: [] };
    const vae: VaeValue = { kind: 'vae', pack };
    const clip: ClipValue = { kind: 'clip', pack };
    const mllm: MllmValue = { kind: 'mllm', pack };
    const aligner: AlignerValue = { kind: 'aligner', pack };
    return { outputs: { unet, vae, clip, mllm, aligner, pack } };
  },
};
