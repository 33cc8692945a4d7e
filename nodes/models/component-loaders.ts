import type { NodeDefinition } from '../../src/core/node-definition';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { RuntimeServices } from '../../src/runtime/services';
import type { ClipValue, UnetValue, VaeValue } from '../values';
import { openPackParam, PACK_PARAM, packParamSalt } from './pack-param';

/**
 * A loader for one model of a pack, so a graph can take its U-Net and its VAE
 * from different packs (e.g. a fine-tuned VAE). Like Model Pack, it only opens
 * and verifies the pack; the node that runs the model loads its session.
 */
const SOCKETS = { unet: 'UNET', vae: 'VAE', clip: 'CLIP' } as const;
const WHAT = { unet: 'U-Net', vae: 'VAE', clip: 'CLIP text encoder and tokenizer' } as const;

function componentLoader<T extends UnetValue | VaeValue | ClipValue>(
  kind: T['kind'],
  title: string,
  make: (pack: PackHandle) => T,
): NodeDefinition<RuntimeServices> {
  const socket = SOCKETS[kind];
  return {
    type: `models.${kind}_loader`,
    typeVersion: 1,
    title,
    category: 'models',
    description: `Opens a model pack or checkpoint folder and hands out only its ${WHAT[kind]}.`,
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
export const clipLoaderNode = componentLoader<ClipValue>('clip', 'Load CLIP', (pack) => ({
  kind: 'clip',
  pack,
}));
