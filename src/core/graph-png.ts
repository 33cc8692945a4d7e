import { z } from 'zod';
import type { GraphDocument } from './document';
import { type LoadedGraph, loadGraphDocument } from './load-document';
import type { NodeSpecLookup } from './node-spec';
import { getPngText, hasPngSignature, PngMetadataError } from './png-metadata';
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

/**
 * Reads the graph embedded in a PNG made by kosmograph (iTXt, or tEXt from
 * other tools). Every failure is a GraphValidationError naming `name`.
 */
export function readGraphFromPng(bytes: Uint8Array, lookup: NodeSpecLookup, name: string): LoadedGraph {
  const fail = (message: string) => new GraphValidationError([{ code: 'invalid_document', message }], name);
  if (!hasPngSignature(bytes)) throw fail('not a PNG file');
  let text: string | undefined;
  try {
    text = getPngText(bytes, PNG_GRAPH_KEYWORD);
  } catch (error) {
    if (error instanceof PngMetadataError) throw fail(`damaged PNG (${error.message})`);
    throw error;
  }
  if (text === undefined) throw fail('no kosmograph graph in this image');
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
