import type { GraphDocument } from '../src/core/document';
import { PNG_GRAPH_KEYWORD, serializePngPayload } from '../src/core/graph-png';
import type { NodeDefinition } from '../src/core/node-definition';
import type { NodeSpecLookup } from '../src/core/node-spec';
import { resolveWiredParams, wiredParamsOf } from '../src/core/wired-params';
import { encodePng } from '../src/runtime/image/codec';
import type { RuntimeServices } from '../src/runtime/services';
import { imageInput, stringParam } from './port-values';
import { saveImageSpec } from './save-image.spec';

/**
 * The seeds that ran, by `nodeId.param`, as embedded next to the graph: every seed param's value,
 * the wired one where a wire feeds it (a Primitive Seed: `resolveWiredParams`), so a sampler
 * driven by a primitive lists the seed it used, not the one stored under the wire. A seed wired
 * from an output whose value only the run knows is left out rather than listed wrong.
 */
function seedsOf(graph: GraphDocument, lookup: NodeSpecLookup): Record<string, number> {
  const wired = wiredParamsOf(graph, lookup);
  const resolved = resolveWiredParams(graph, lookup).values;
  const seeds: Record<string, number> = {};
  for (const node of graph.nodes) {
    for (const param of lookup(node.type)?.params ?? []) {
      if (param.kind !== 'seed') continue;
      const value = wired.get(node.id)?.has(param.name)
        ? resolved.get(node.id)?.[param.name]
        : node.params[param.name];
      if (typeof value === 'number') seeds[`${node.id}.${param.name}`] = value;
    }
  }
  return seeds;
}

/** The graph, its seeds and its models' sha256 as the JSON text a saved file embeds. */
export function graphPayloadText(graph: GraphDocument, lookup: NodeSpecLookup): string {
  const models = Object.fromEntries((graph.models ?? []).map((m) => [m.id, m.sha256]));
  return serializePngPayload({ graph, seeds: seedsOf(graph, lookup), models });
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
export function saveImageNode(lookup: NodeSpecLookup): NodeDefinition<RuntimeServices> {
  return {
    ...saveImageSpec,
    alwaysRun: true,
    async execute({ inputs, params, graph }) {
      const prefix = filePrefixParam(params);
      const image = imageInput(inputs, 'image');
      const text = graphPayloadText(graph, lookup);
      const png = encodePng(image, [{ keyword: PNG_GRAPH_KEYWORD, text }]);
      return { outputs: {}, artifacts: [{ kind: 'image', fileName: `${prefix}.png`, image, png }] };
    },
  };
}
