import type { NodeRegistry } from '../core/node-definition';

/** `kosmograph nodes`: the registry as JSON, or a readable list. */
export function nodesCommand(registry: NodeRegistry<unknown>, json: boolean): string {
  const specs = registry.describe();
  if (json) return `${JSON.stringify({ nodes: specs }, null, 2)}\n`;
  return `${specs
    .map((spec) => {
      const ports = (list: readonly { name: string; type: string }[]) =>
        list.map((p) => `${p.name}:${p.type}`).join(', ') || '-';
      const params =
        spec.params.map((p) => `${p.name} (${p.kind}, default ${JSON.stringify(p.default)})`).join(', ') ||
        '-';
      return `${spec.type} v${spec.typeVersion} — ${spec.title}\n  in: ${ports(spec.inputs)}\n  out: ${ports(spec.outputs)}\n  params: ${params}`;
    })
    .join('\n')}\n`;
}
