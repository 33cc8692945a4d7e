import type { NodeSpec } from '../../src/core/node-spec';
import { PACK_PARAM } from './pack-param.spec';

const SOCKETS = { unet: 'UNET', vae: 'VAE', clip: 'CLIP' } as const;
const WHAT = { unet: 'U-Net', vae: 'VAE', clip: 'CLIP text encoder and tokenizer' } as const;

/** A one-model loader as data (Load U-Net / VAE / CLIP); its execute is in component-loaders.ts. */
function componentLoaderSpec(kind: keyof typeof SOCKETS, title: string): NodeSpec {
  return {
    type: `models.${kind}_loader`,
    typeVersion: 1,
    title,
    category: 'models',
    description: `Opens a model pack or checkpoint folder and hands out only its ${WHAT[kind]}.`,
    inputs: [],
    outputs: [{ name: kind, type: SOCKETS[kind] }],
    params: [PACK_PARAM],
  };
}

export const unetLoaderSpec = componentLoaderSpec('unet', 'Load U-Net');
export const vaeLoaderSpec = componentLoaderSpec('vae', 'Load VAE');
export const clipLoaderSpec = componentLoaderSpec('clip', 'Load CLIP');
