import type { NodeSpec } from '../src/core/node-spec';
import { cannySpec } from './canny.spec';
import { imageLoadSpec } from './image-load.spec';
import { loadLatentSpec } from './latent-file/load-latent.spec';
import { saveLatentSpec } from './latent-file/save-latent.spec';
import { applyLoraSpec } from './models/apply-lora.spec';
import { clipLoaderSpec, unetLoaderSpec, vaeLoaderSpec } from './models/component-loaders.spec';
import { controlnetLoaderSpec } from './models/controlnet-loader.spec';
import { loadCheckpointSpec } from './models/load-checkpoint.spec';
import { loadKosmosGSpec } from './models/load-kosmos-g.spec';
import { loraFileSpec } from './models/lora-file.spec';
import { loraLoaderSpec } from './models/lora-loader.spec';
import { modelPackSpec } from './models/model-pack.spec';
import { previewImageSpec } from './preview-image.spec';
import {
  primitiveFloatSpec,
  primitiveIntSpec,
  primitiveSeedSpec,
  primitiveStringSpec,
} from './primitive/primitive.spec';
import { alignSpec } from './prompt/align.spec';
import { clipTextEncodeSpec } from './prompt/clip-text-encode.spec';
import { interleavedPromptSpec } from './prompt/interleaved-prompt.spec';
import { mllmEncodeSpec } from './prompt/mllm-encode.spec';
import { applyControlnetSpec } from './sampling/apply-controlnet.spec';
import { samplerSpec } from './sampling/sampler.spec';
import { saveImageSpec } from './save-image.spec';
import { emptyLatentSpec } from './vae/empty-latent.spec';
import { vaeDecodeSpec } from './vae/vae-decode.spec';
import { vaeEncodeSpec } from './vae/vae-encode.spec';

/**
 * Every node kind kosmograph ships, as data only (ports, params, docs, pure validate rules), in
 * palette order: the same kinds and order as createNodeRegistry() in ./index.ts, whose definitions
 * spread these specs and add `execute`. The editor's main thread imports this module, never
 * ./index.ts, so it carries no sampler, tokenizer, image codec or ONNX Runtime code
 * (docs/decisions.md, "A light main thread").
 */
export const NODE_SPECS: readonly NodeSpec[] = [
  modelPackSpec,
  loadCheckpointSpec,
  loadKosmosGSpec,
  unetLoaderSpec,
  vaeLoaderSpec,
  clipLoaderSpec,
  controlnetLoaderSpec,
  loraLoaderSpec,
  applyLoraSpec,
  loraFileSpec,
  imageLoadSpec,
  cannySpec,
  interleavedPromptSpec,
  mllmEncodeSpec,
  alignSpec,
  clipTextEncodeSpec,
  applyControlnetSpec,
  emptyLatentSpec,
  vaeEncodeSpec,
  samplerSpec,
  vaeDecodeSpec,
  loadLatentSpec,
  saveImageSpec,
  saveLatentSpec,
  previewImageSpec,
  primitiveSeedSpec,
  primitiveIntSpec,
  primitiveFloatSpec,
  primitiveStringSpec,
];
