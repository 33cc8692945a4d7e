import { sha256Hex } from '../src/core/content-hash';
import type { NodeDefinition } from '../src/core/node-definition';
import { decodeImage } from '../src/runtime/image/codec';
import type { RuntimeServices } from '../src/runtime/services';
import { imageLoadSpec } from './image-load.spec';
import { stringParam } from './port-values';

/** Loads a PNG or JPEG from a path, URL or data: URL. The file's bytes are part of the cache key. */
export const imageLoadNode: NodeDefinition<RuntimeServices> = {
  ...imageLoadSpec,
  async cacheSalt(params, services, signal) {
    return sha256Hex(await services.readSource(stringParam(params, 'image'), signal));
  },
  async execute({ params, services, signal }) {
    const source = stringParam(params, 'image');
    const bytes = await services.readSource(source, signal);
    const name = source.startsWith('data:') ? 'the dropped image' : source;
    return { outputs: { image: decodeImage(bytes, name) } };
  },
};
