import { type NodeDefinition, NodeRegistry } from '../src/core/node-definition';
import type { RuntimeServices } from '../src/runtime/services';
import { cannyNode } from './canny';
import { imageLoadNode } from './image-load';
import { loadLatentNode } from './latent-file/load-latent';
import { saveLatentNode } from './latent-file/save-latent';
import { applyLoraNode } from './models/apply-lora';
import { clipLoaderNode, unetLoaderNode, vaeLoaderNode } from './models/component-loaders';
import { controlnetLoaderNode } from './models/controlnet-loader';
import { loadCheckpointNode } from './models/load-checkpoint';
import { loadKosmosGNode } from './models/load-kosmos-g';
import { loraFileNode } from './models/lora-file';
import { loraLoaderNode } from './models/lora-loader';
import { modelPackNode } from './models/model-pack';
import { previewImageNode } from './preview-image';
import {
  primitiveFloatNode,
  primitiveIntNode,
  primitiveSeedNode,
  primitiveStringNode,
} from './primitive/primitive';
import { alignNode } from './prompt/align';
import { clipTextEncodeNode } from './prompt/clip-text-encode';
import { interleavedPromptNode } from './prompt/interleaved-prompt';
import { mllmEncodeNode } from './prompt/mllm-encode';
import { applyControlnetNode } from './sampling/apply-controlnet';
import { samplerNode } from './sampling/sampler';
import { saveImageNode } from './save-image';
import { emptyLatentNode } from './vae/empty-latent';
import { vaeDecodeNode } from './vae/vae-decode';
import { vaeEncodeNode } from './vae/vae-encode';

/** Every node kind kosmograph ships, in palette order. */
export function createNodeRegistry(): NodeRegistry<RuntimeServices> {
  const registry = new NodeRegistry<RuntimeServices>();
  const definitions: NodeDefinition<RuntimeServices>[] = [
    modelPackNode,
    loadCheckpointNode,
    loadKosmosGNode,
    unetLoaderNode,
    vaeLoaderNode,
    clipLoaderNode,
    controlnetLoaderNode,
    loraLoaderNode,
    applyLoraNode,
    loraFileNode,
    imageLoadNode,
    cannyNode,
    interleavedPromptNode,
    mllmEncodeNode,
    alignNode,
    clipTextEncodeNode,
    applyControlnetNode,
    emptyLatentNode,
    vaeEncodeNode,
    samplerNode,
    vaeDecodeNode,
    loadLatentNode,
    saveImageNode(registry.lookup),
    saveLatentNode(registry.lookup),
    previewImageNode,
    primitiveSeedNode,
    primitiveIntNode,
    primitiveFloatNode,
    primitiveStringNode,
  ];
  for (const definition of definitions) registry.register(definition);
  return registry;
}
