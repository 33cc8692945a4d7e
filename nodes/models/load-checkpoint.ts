import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { ClipValue, UnetValue, VaeValue } from '../values';
import { loadCheckpointSpec } from './load-checkpoint.spec';

/**
 * ComfyUI's CheckpointLoaderSimple for ONNX checkpoints: opens a Stable Diffusion 1.5 model
 * folder (diffusers' or optimum's ONNX layout, fp32 or fp16; headless a path, in the browser a
 * picked folder or a URL whose base holds model_index.json) or a kosmograph pack, and hands out
 * its U-Net, CLIP (text encoder + tokenizer) and VAE. Opening only reads the configs and checks
 * every file's sha256; each model is loaded into a session by the node that runs it.
 */
export const loadCheckpointNode: NodeDefinition<RuntimeServices> = {
  ...loadCheckpointSpec,
  async cacheSalt(params, services, signal) {
    return (await services.models.openPack(stringParam(params, 'checkpoint'), signal)).id;
  },
  // Its U-Net and VAE (the folder opened: configs and hashes, no session) for the checks downstream.
  async preflight({ params, services, signal, nodeId }) {
    const pack = await services.models.openPack(stringParam(params, 'checkpoint'), signal);
    return {
      outputs: { unet: { kind: 'unet', pack, loras: [], loaderNodeId: nodeId }, vae: { kind: 'vae', pack } },
    };
  },
  async execute({ params, services, signal }) {
    const pack = await services.models.openPack(stringParam(params, 'checkpoint'), signal);
    const unet: UnetValue = { kind: 'unet', pack, loras: [] };
    const clip: ClipValue = { kind: 'clip', pack };
    const vae: VaeValue = { kind: 'vae', pack };
    return { outputs: { unet, clip, vae } };
  },
};
