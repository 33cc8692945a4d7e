import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { GraphDocument } from '../core/document';
import type { NodeSpecLookup, ParamSpec } from '../core/node-spec';
import type { ValidationIssue } from '../core/validation-error';

/**
 * Which files a graph sent to the server may name. Written here because the shared file policy
 * (src/runtime/node/file-policy) did not exist yet; it is the same rule: a path must resolve,
 * symlinks followed, inside one of the allowed folders.
 */
export interface PathPolicy {
  /** Folders graphs may read from; relative paths resolve against the first. Empty: no paths at all. */
  readonly roots: readonly string[];
}

/** String params that name a file or a model folder (besides every `image` param). */
const SOURCE_PARAM_NAMES = new Set(['pack', 'checkpoint', 'folder', 'lora', 'latent']);
/** Sources that are names, not paths. */
const BUILT_IN_SOURCES = new Set(['', 'reference']);

const isSourceParam = (spec: ParamSpec) =>
  spec.kind === 'image' || (spec.kind === 'string' && SOURCE_PARAM_NAMES.has(spec.name));

/** The real path of `path` (or of its nearest existing parent, for files not there yet). */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = resolve(path, '..');
    return parent === path ? path : resolve(realPath(parent), relative(parent, path));
  }
}

const inside = (root: string, path: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * Checks every source param of `graph` against `policy`: data: URLs and built-in names pass,
 * http(s) URLs are refused (the server would fetch any address a client names), paths must lie
 * inside an allowed folder. Returns the graph with allowed paths made absolute, or the issues.
 */
export function applyPathPolicy(
  graph: GraphDocument,
  lookup: NodeSpecLookup,
  policy: PathPolicy,
): { graph: GraphDocument; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const roots = policy.roots.map((root) => realPath(resolve(root)));
  const nodes = graph.nodes.map((node) => {
    const specs = lookup(node.type)?.params.filter(isSourceParam) ?? [];
    const params = { ...node.params };
    for (const spec of specs) {
      const value = params[spec.name];
      if (typeof value !== 'string' || BUILT_IN_SOURCES.has(value) || value.startsWith('data:')) continue;
      const refuse = (message: string) =>
        issues.push({ code: 'invalid_document', nodeId: node.id, param: spec.name, message });
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        refuse(`the server does not fetch URLs (${value}): send the file as a data: URL or multipart`);
        continue;
      }
      if (roots.length === 0) {
        refuse(`"${value}": this server reads no files (start it with --models DIR)`);
        continue;
      }
      const path = realPath(isAbsolute(value) ? value : resolve(roots[0]!, value));
      if (!roots.some((root) => inside(root, path))) {
        refuse(`"${value}" is outside the server's allowed folders (${roots.join(', ')})`);
        continue;
      }
      params[spec.name] = path;
    }
    return { ...node, params };
  });
  return { graph: { ...graph, nodes }, issues };
}
