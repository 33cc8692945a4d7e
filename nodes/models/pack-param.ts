import type { JsonValue } from '../../src/core/document';
import type { StringParamSpec } from '../../src/core/node-spec';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';

/** The `pack` param of the nodes that open a pack: `reference`, a folder or a URL. */
export const PACK_PARAM: StringParamSpec = {
  kind: 'string',
  name: 'pack',
  label: 'Pack',
  default: 'reference',
  description: '"reference", a folder or a URL',
};

type Params = Readonly<Record<string, JsonValue>>;

/** Opens (once per engine) and verifies the pack the node's `pack` param names. */
export function openPackParam(
  params: Params,
  services: RuntimeServices,
  signal: AbortSignal,
): Promise<PackHandle> {
  return services.models.openPack(stringParam(params, 'pack'), signal);
}

/** Cache salt of a pack-opening node: the pack's manifest hash, so a changed pack re-runs it. */
export async function packParamSalt(
  params: Params,
  services: RuntimeServices,
  signal: AbortSignal,
): Promise<string> {
  return (await openPackParam(params, services, signal)).id;
}
