import type { JsonValue } from '../../src/core/document';
import type { PackHandle } from '../../src/runtime/models/pack-handle';
import type { RuntimeServices } from '../../src/runtime/services';
import { stringParam } from '../port-values';

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
