import type { NodeDefinition } from '../core/node-definition';
import { contentKey } from './content-key';
import { messageOf, NodeFailure } from './node-failure';
import type { PlannedNode } from './plan';

/**
 * Whether a node's result depends on which node it is, so it is cached under its node id as
 * well as its content (ComfyUI adds the node id to the signature of `NOT_IDEMPOTENT` nodes and
 * of nodes that take their `UNIQUE_ID`). Output nodes name their artifacts after themselves
 * (a preview's `preview-<node id>.png`), nodes that always run are never served from the cache,
 * and a node may say so itself (`usesNodeId`, e.g. a value that names its node in messages).
 */
export function isKeyedByNodeId(definition: NodeDefinition<unknown>): boolean {
  return definition.isOutput === true || definition.alwaysRun === true || definition.usesNodeId === true;
}

/**
 * The cache key of every planned node, by plan position: node type + version + params +
 * upstream keys and ports + the node's `cacheSalt` (file bytes, model hashes), plus the node id
 * where `isKeyedByNodeId`. Layout and the ids of other nodes are not part of it. A failing
 * `cacheSalt` fails the job naming that node.
 */
export async function computeCacheKeys<S>(
  nodes: readonly PlannedNode<S>[],
  services: S,
  signal: AbortSignal,
): Promise<string[]> {
  const keys: string[] = [];
  const keyOf = new Map<string, string>();
  for (const node of nodes) {
    let salt = '';
    try {
      salt = (await node.definition.cacheSalt?.(node.params, services, signal)) ?? '';
    } catch (error) {
      throw new NodeFailure(node.id, messageOf(error));
    }
    const inputs: Record<string, string> = {};
    for (const [port, source] of node.inputs) inputs[port] = `${keyOf.get(source.node)}#${source.port}`;
    const key = contentKey({
      type: node.definition.type,
      typeVersion: node.definition.typeVersion,
      params: node.params,
      inputs,
      salt,
      ...(isKeyedByNodeId(node.definition as NodeDefinition<unknown>) ? { nodeId: node.id } : {}),
    });
    keyOf.set(node.id, key);
    keys.push(key);
  }
  return keys;
}
