import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { readGraphFromPng } from '../core/graph-png';
import { type LoadedGraph, loadGraphText } from '../core/load-document';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError } from '../core/validation-error';

/** Reads a graph from a .json file or a PNG made by kosmograph. Errors are GraphValidationErrors naming the file. */
export async function readGraphFile(path: string, lookup: NodeSpecLookup): Promise<LoadedGraph> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a folder' : 'cannot be read';
    throw new GraphValidationError([{ code: 'invalid_document', message: reason }], path);
  }
  const isPng = extname(path).toLowerCase() === '.png' || (bytes[0] === 0x89 && bytes[1] === 0x50);
  if (isPng) return readGraphFromPng(bytes, lookup, path);
  return loadGraphText(new TextDecoder().decode(bytes), lookup, path);
}
