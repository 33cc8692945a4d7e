import type { GraphDocument } from '../src/core/document';
import { PNG_GRAPH_KEYWORD, serializePngPayload } from '../src/core/graph-png';
import type { NodeDefinition } from '../src/core/node-definition';
import { encodePng } from '../src/runtime/image/codec';
import type { RuntimeServices } from '../src/runtime/services';
import { imageInput, stringParam } from './port-values';
import { saveImageSpec } from './save-image.spec';

/** Seed params of the graph, by `nodeId.param`, as embedded next to the graph. */
function seedsOf(
  graph: GraphDocument,
  seedParams: (type: string) => readonly string[],
): Record<string, number> {
  const seeds: Record<string, number> = {};
  for (const node of graph.nodes) {
    for (const name of seedParams(node.type)) {
      const value = node.params[name];
      if (typeof value === 'number') seeds[`${node.id}.${name}`] = value;
    }
  }
  return seeds;
}

/** The graph, its seeds and its models' sha256 as the JSON text a saved file embeds. */
export function graphPayloadText(
  graph: GraphDocument,
  seedParams: (type: string) => readonly string[],
): string {
  const models = Object.fromEntries((graph.models ?? []).map((m) => [m.id, m.sha256]));
  return serializePngPayload({ graph, seeds: seedsOf(graph, seedParams), models });
}

const FILE_PREFIX = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;

/** The `filename_prefix` param, checked: letters, digits, _ - . only (no folders). Save nodes share it. */
export function filePrefixParam(params: Readonly<Record<string, unknown>>): string {
  const prefix = stringParam(params, 'filename_prefix');
  if (!FILE_PREFIX.test(prefix)) {
    throw new Error(`file name "${prefix}" may only use letters, digits, _ - . (up to 100 characters)`);
  }
  return prefix;
}

/**
 * Saves a PNG with the graph that made it embedded (iTXt "kosmograph"), so
 * dropping it on the editor or `kosmograph run image.png` reproduces it.
 * It always runs (never cached) so the embedded graph is the current one.
 */
export function saveImageNode(
  seedParams: (type: string) => readonly string[],
): NodeDefinition<RuntimeServices> {
  return {
    ...saveImageSpec,
    alwaysRun: true,
    async execute({ inputs, params, graph }) {
      const prefix = filePrefixParam(params);
      const image = imageInput(inputs, 'image');
      const text = graphPayloadText(graph, seedParams);
      const png = encodePng(image, [{ keyword: PNG_GRAPH_KEYWORD, text }]);
      return { outputs: {}, artifacts: [{ kind: 'image', fileName: `${prefix}.png`, image, png }] };
    },
  };
}
