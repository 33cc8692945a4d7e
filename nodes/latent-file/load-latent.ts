import { sha256Hex } from '../../src/core/content-hash';
import type { NodeDefinition } from '../../src/core/node-definition';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';
import type { LatentValue } from '../values';
import { decodeLatentFile } from './latent-codec';
import { loadLatentSpec } from './load-latent.spec';

const paramError = (error: unknown) =>
  new Error(`param "latent": ${error instanceof Error ? error.message : String(error)}`);

/** The `latent` param, or an error saying none is chosen. */
function latentSource(params: Readonly<Record<string, unknown>>): string {
  const source = stringParam(params, 'latent');
  if (source.trim() === '') throw new Error('param "latent": no .latent file chosen');
  return source;
}

/** The file's bytes; read errors (missing file, HTTP error) name the param and the file. */
async function readLatentBytes(
  source: string,
  services: RuntimeServices,
  signal: AbortSignal,
): Promise<Uint8Array> {
  try {
    return await services.readSource(source, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw paramError(error);
  }
}

const displayName = (source: string) => (source.startsWith('data:') ? 'the dropped .latent file' : source);

/**
 * Loads a ComfyUI `.latent` file (safetensors, `latent_tensor` [B, C, H, W] in F32, F16 or
 * BF16). Files without `latent_format_version_0` hold unscaled latents and are multiplied
 * by 1 / 0.18215, as ComfyUI does. The file's bytes are part of the cache key.
 */
export const loadLatentNode: NodeDefinition<RuntimeServices> = {
  ...loadLatentSpec,
  async cacheSalt(params, services, signal) {
    return sha256Hex(await readLatentBytes(latentSource(params), services, signal));
  },
  async execute({ params, services, signal }) {
    const source = latentSource(params);
    const bytes = await readLatentBytes(source, services, signal);
    let samples: LatentValue['samples'];
    try {
      samples = decodeLatentFile(bytes, displayName(source)).samples;
    } catch (error) {
      throw paramError(error);
    }
    const latent: LatentValue = { kind: 'latent', samples };
    return { outputs: { latent } };
  },
};
