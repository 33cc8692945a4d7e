import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { GraphDocument } from '../core/document';
import type { NodeSpecLookup } from '../core/node-spec';
import { GraphValidationError, type ValidationIssue } from '../core/validation-error';
import { sniffImageFormat } from '../runtime/image/codec';

/** Input images up to this size travel inside the saved PNG's graph; larger ones stay paths. */
export const MAX_INLINE_IMAGE_BYTES = 4 * 1024 * 1024;

const isFilePath = (source: string) =>
  source !== '' && !source.startsWith('data:') && !/^https?:\/\//i.test(source);

/**
 * The graph as it will run: image params that name local files become data:
 * URLs (or absolute paths when large), so the graph embedded in the PNGs it
 * makes reproduces them on any machine. The graph file itself is not changed.
 * Missing files are reported here, naming the node and param.
 */
export async function inlineImageFiles(
  graph: GraphDocument,
  baseDir: string,
  lookup: NodeSpecLookup,
): Promise<GraphDocument> {
  const issues: ValidationIssue[] = [];
  const nodes = await Promise.all(
    graph.nodes.map(async (node) => {
      const imageParams = lookup(node.type)?.params.filter((p) => p.kind === 'image') ?? [];
      const params = { ...node.params };
      for (const spec of imageParams) {
        const source = params[spec.name];
        if (typeof source !== 'string' || !isFilePath(source)) continue;
        const path = isAbsolute(source) ? source : resolve(baseDir, source);
        let bytes: Buffer;
        try {
          bytes = await readFile(path);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          issues.push({
            code: 'invalid_document',
            nodeId: node.id,
            param: spec.name,
            message: code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}`,
          });
          continue;
        }
        const format = sniffImageFormat(bytes);
        params[spec.name] =
          format && bytes.length <= MAX_INLINE_IMAGE_BYTES
            ? `data:image/${format};base64,${bytes.toString('base64')}`
            : path;
      }
      return { ...node, params };
    }),
  );
  if (issues.length > 0) throw new GraphValidationError(issues);
  return { ...graph, nodes };
}
