import { type NodeDefinition, NodeRegistry } from '../src/core/node-definition';
import type { RuntimeServices } from '../src/runtime/services';
import { cannyNode } from './canny';
import { imageLoadNode } from './image-load';
import { previewImageNode } from './preview-image';
import { saveImageNode } from './save-image';

/** Every node kind kosmograph ships, in palette order. */
export function createNodeRegistry(): NodeRegistry<RuntimeServices> {
  const registry = new NodeRegistry<RuntimeServices>();
  const seedParams = (type: string) =>
    registry
      .get(type)
      ?.params.filter((p) => p.kind === 'seed')
      .map((p) => p.name) ?? [];
  const definitions: NodeDefinition<RuntimeServices>[] = [
    imageLoadNode,
    cannyNode,
    saveImageNode(seedParams),
    previewImageNode,
  ];
  for (const definition of definitions) registry.register(definition);
  return registry;
}
