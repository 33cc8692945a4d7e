import type { NodeDefinition } from '../../src/core/node-definition';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { RuntimeServices } from '../../src/runtime/services';
import type { UnetValue, VaeValue } from '../values';
import { openPackParam, PACK_PARAM, packParamSalt } from './pack-param';

/**
 * A loader for one model of a pack, so a graph can take its U-Net and its VAE
 * from different packs (e.g. a fine-tuned VAE). Like Model Pack, it only opens
 * and verifies the pack; the node that runs the model loads its session.
 */
function componentLoader<T extends UnetValue | VaeValue>(
  kind: T['kind'],
  title: string,
  make: (pack: PackHandle) => T,
): NodeDefinition<RuntimeServices> {
  const socket = kind === 'unet' ? 'UNET' : 'VAE';
  return {
    type: `models.${kind}_loader`,
    typeVersion: 1,
    title,
    category: 'models',
    description: `Opens a model pack and hands out only its ${kind === 'unet' ? 'U-Net' : 'VAE'}.`,
    inputs: [],
    outputs: [{ name: kind, type: socket }],
    params: [PACK_PARAM],
    cacheSalt: packParamSalt,
    async execute({ params, services, signal }) {
      const pack = await openPackParam(params, services, signal);
      return { outputs: { [kind]: make(pack) } };
    },
  };
}

export const unetLoaderNode = componentLoader<UnetValue>('unet', 'Load U-Net', (pack) => ({
  kind: 'unet',
  pack,
  loras: [],
}));
export const vaeLoaderNode = componentLoader<VaeValue>('vae', 'Load VAE', (pack) => ({ kind: 'vae', pack }));
