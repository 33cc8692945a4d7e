import type { NodeDefinition } from '../../src/core/node-definition';
import type { NodeSpec } from '../../src/core/node-spec';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { RuntimeServices } from '../../src/runtime/services';
import type { ClipValue, UnetValue, VaeValue } from '../values';
import { clipLoaderSpec, unetLoaderSpec, vaeLoaderSpec } from './component-loaders.spec';
import { openPackParam, packParamSalt } from './pack-param';

/**
 * A loader for one model of a pack, so a graph can take its U-Net and its VAE
 * from different packs (e.g. a fine-tuned VAE). Like Model Pack, it only opens
 * and verifies the pack; the node that runs the model loads its session.
 */
function componentLoader<T extends UnetValue | VaeValue | ClipValue>(
  kind: T['kind'],
  spec: NodeSpec,
  make: (pack: PackHandle) => T,
): NodeDefinition<RuntimeServices> {
  return {
    ...spec,
    cacheSalt: packParamSalt,
    // The model (its pack opened, no session) for the pre-flight checks downstream.
    async preflight({ params, services, signal }) {
      return { outputs: { [kind]: make(await openPackParam(params, services, signal)) } };
    },
    async execute({ params, services, signal }) {
      const pack = await openPackParam(params, services, signal);
      return { outputs: { [kind]: make(pack) } };
    },
  };
}

export const unetLoaderNode = componentLoader<UnetValue>('unet', unetLoaderSpec, (pack) => ({
  kind: 'unet',
  pack,
  loras: [],
}));
export const vaeLoaderNode = componentLoader<VaeValue>('vae', vaeLoaderSpec, (pack) => ({
  kind: 'vae',
  pack,
}));
export const clipLoaderNode = componentLoader<ClipValue>('clip', clipLoaderSpec, (pack) => ({
  kind: 'clip',
  pack,
}));
