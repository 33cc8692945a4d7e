import { PNG_GRAPH_KEYWORD } from '../../src/core/graph-png';
import type { NodeDefinition } from '../../src/core/node-definition';
import type { NodeSpecLookup } from '../../src/core/node-spec';
import type { RuntimeServices } from '../../src/runtime/services';
import { filePrefixParam, graphPayloadText } from '../save-image';
import { valueInput } from '../values';
import { encodeLatentFile } from './latent-codec';
import { saveLatentSpec } from './save-latent.spec';

export const LATENT_MEDIA_TYPE = 'application/octet-stream';

/**
 * Saves the latent as a ComfyUI `.latent` file (`latent_tensor` F32, scaled latents, so
 * without the `latent_format_version_0` marker: see latent-codec.ts), with this graph in the safetensors metadata under
 * "kosmograph" (as Save Image embeds it in the PNG). It always runs (never cached) so the
 * embedded graph is the current one.
 */
export function saveLatentNode(lookup: NodeSpecLookup): NodeDefinition<RuntimeServices> {
  return {
    ...saveLatentSpec,
    alwaysRun: true,
    async execute({ inputs, params, graph }) {
      const prefix = filePrefixParam(params);
      const { samples } = valueInput(inputs, 'latent', 'latent');
      const bytes = encodeLatentFile(samples, { [PNG_GRAPH_KEYWORD]: graphPayloadText(graph, lookup) });
      return {
        outputs: {},
        artifacts: [{ kind: 'file', fileName: `${prefix}.latent`, bytes, mediaType: LATENT_MEDIA_TYPE }],
      };
    },
  };
}
