import type { GraphDocument } from './document';
import type { NodeSpec } from './node-spec';

/**
 * The web origins a graph would make kosmograph fetch from: absolute http(s) URLs in image and
 * text params (an image, a model folder, a LoRA file) and in its `models` list, other than the
 * app's own. The editor asks before the first fetch from each (docs/security.md): a shared graph
 * naming `https://tracker.example/p.png?u=...` would otherwise tell a stranger who opened it.
 * Pure: no fetch, no DOM.
 */
export function remoteOrigins(
  graph: Pick<GraphDocument, 'nodes' | 'models'>,
  lookup: (type: string) => NodeSpec | undefined,
  appOrigin: string,
): string[] {
  const origins = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value !== 'string' || !/^\s*https?:\/\//i.test(value)) return;
    try {
      const { origin } = new URL(value.trim());
      if (origin !== appOrigin) origins.add(origin);
    } catch {
      // Not a URL after all: validation or the node says so.
    }
  };
  for (const node of graph.nodes) {
    const spec = lookup(node.type);
    for (const param of spec?.params ?? []) {
      if (param.kind === 'image' || param.kind === 'string') add(node.params[param.name]);
    }
  }
  for (const model of graph.models ?? []) add(model.url);
  return [...origins].sort();
}
