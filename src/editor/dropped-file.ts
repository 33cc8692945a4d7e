import { hasComfyChunks } from '../core/comfy/import';
import { PNG_GRAPH_KEYWORD } from '../core/graph-png';
import { hasPngSignature, readPngTextChunks } from '../core/png-metadata';
import { sniffImageType } from './image-file';

/**
 * What a file dropped (or pasted) on the canvas is. A PNG that carries a graph
 * (kosmograph's chunk, or a ComfyUI workflow) opens that graph, as in ComfyUI;
 * any other PNG or JPEG is an image and becomes a Load Image node. Everything
 * else is tried as a graph file (whose errors name the file).
 */
export type DroppedKind = 'graph' | 'image';

export function droppedBytesKind(bytes: Uint8Array): DroppedKind {
  if (hasPngSignature(bytes)) {
    try {
      const chunks = readPngTextChunks(bytes);
      if (chunks.some((c) => c.keyword === PNG_GRAPH_KEYWORD) || hasComfyChunks(chunks)) return 'graph';
    } catch {
      return 'graph'; // a damaged PNG: the graph import says what is wrong with it
    }
    return 'image';
  }
  return sniffImageType(bytes) === 'image/jpeg' ? 'image' : 'graph';
}

export async function droppedFileKind(file: File): Promise<DroppedKind> {
  return droppedBytesKind(new Uint8Array(await file.arrayBuffer()));
}
