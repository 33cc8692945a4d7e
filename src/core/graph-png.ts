import { z } from 'zod';
import { type ComfyImportOptions, type ComfyImportReport, REFERENCE_PACK_IMPORT } from './comfy/convert';
import { hasComfyChunks, importComfyFromPngChunks } from './comfy/import';
import type { GraphDocument } from './document';
import { type LoadedGraph, loadGraphDocument } from './load-document';
import type { NodeSpecLookup } from './node-spec';
import {
  hasPngSignature,
  PNG_SIGNATURE,
  PngMetadataError,
  type PngTextChunk,
  readPngTextChunks,
} from './png-metadata';
import { GraphValidationError } from './validation-error';

/** The iTXt keyword under which kosmograph stores its graph in a PNG. */
export const PNG_GRAPH_KEYWORD = 'kosmograph';

/** What a saved PNG carries besides pixels: enough to reproduce it. */
export interface PngGraphPayload {
  readonly graph: GraphDocument;
  /** Seed params as they were when the image was made, by `nodeId.param`. */
  readonly seeds: Readonly<Record<string, number>>;
  /** sha256 of every model the graph references, by model id. */
  readonly models: Readonly<Record<string, string>>;
}

const payloadEnvelope = z.object({ graph: z.unknown() }).passthrough();

export function serializePngPayload(payload: PngGraphPayload): string {
  return JSON.stringify({ kosmograph: 1, ...payload });
}

function failure(name: string) {
  return (message: string) => new GraphValidationError([{ code: 'invalid_document', message }], name);
}

/** Every text chunk of a PNG; a damaged or foreign file is a GraphValidationError naming `name`. */
function pngTextChunks(bytes: Uint8Array, name: string): PngTextChunk[] {
  const fail = failure(name);
  if (!hasPngSignature(bytes)) {
    const cutSignature =
      bytes.length > 0 &&
      bytes.length < PNG_SIGNATURE.length &&
      bytes.every((b, i) => b === PNG_SIGNATURE[i]);
    throw fail(cutSignature ? 'damaged PNG (truncated PNG: shorter than its signature)' : 'not a PNG file');
  }
  try {
    return readPngTextChunks(bytes);
  } catch (error) {
    if (error instanceof PngMetadataError) throw fail(`damaged PNG (${error.message})`);
    throw error;
  }
}

function loadPayload(text: string, lookup: NodeSpecLookup, name: string): LoadedGraph {
  const fail = failure(name);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail('the kosmograph chunk in this image is not valid JSON');
  }
  const envelope = payloadEnvelope.safeParse(json);
  if (!envelope.success) throw fail('the kosmograph chunk in this image holds no graph');
  return loadGraphDocument(envelope.data.graph, lookup, name);
}

/**
 * Reads the graph embedded in a PNG made by kosmograph (iTXt, or tEXt from
 * other tools). Every failure is a GraphValidationError naming `name`.
 */
export function readGraphFromPng(bytes: Uint8Array, lookup: NodeSpecLookup, name: string): LoadedGraph {
  const chunks = pngTextChunks(bytes, name);
  const text = chunks.find((c) => c.keyword === PNG_GRAPH_KEYWORD)?.text;
  if (text === undefined) {
    throw failure(name)(
      hasComfyChunks(chunks)
        ? 'no kosmograph graph in this image (it holds a ComfyUI workflow: convert it with `kosmograph import-comfy`)'
        : 'no kosmograph graph in this image',
    );
  }
  return loadPayload(text, lookup, name);
}

/** A graph read from a PNG: kosmograph's own, or converted from ComfyUI's chunks (with the report). */
export type PngGraph =
  | (LoadedGraph & { readonly source: 'kosmograph' })
  | (LoadedGraph & { readonly source: 'comfyui'; readonly report: ComfyImportReport });

/**
 * What a PNG dropped on the editor opens: kosmograph's `kosmograph` chunk when
 * there is one, else ComfyUI's `prompt` / `workflow` chunks converted for
 * `comfyOptions` (the reference pack by default). Throws GraphValidationError
 * naming `name` for a damaged PNG, a chunk with invalid JSON, or a PNG with neither.
 */
export function readGraphOrComfyFromPng(
  bytes: Uint8Array,
  lookup: NodeSpecLookup,
  comfyOptions: ComfyImportOptions = REFERENCE_PACK_IMPORT,
  name = 'image',
): PngGraph {
  const chunks = pngTextChunks(bytes, name);
  const text = chunks.find((c) => c.keyword === PNG_GRAPH_KEYWORD)?.text;
  if (text !== undefined) return { ...loadPayload(text, lookup, name), source: 'kosmograph' };
  if (!hasComfyChunks(chunks)) throw failure(name)('no kosmograph graph or ComfyUI workflow in this image');
  const { graph, report } = importComfyFromPngChunks(chunks, comfyOptions, lookup, name);
  return { graph, warnings: report.warnings, source: 'comfyui', report };
}
