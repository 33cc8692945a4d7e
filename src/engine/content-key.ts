import { canonicalJson, sha256Hex } from '../core/content-hash';
import type { JsonValue } from '../core/document';

export interface ContentKeyParts {
  readonly type: string;
  readonly typeVersion: number;
  readonly params: Readonly<Record<string, JsonValue>>;
  /** Input port -> `<upstream key>#<upstream output port>`. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Node-declared extra content: file bytes' hash, model sha256s. */
  readonly salt: string;
  /** Only for nodes whose result depends on which node they are (see `isKeyedByNodeId`). */
  readonly nodeId?: string;
}

/** The cache key of a node's result: equal keys mean equal outputs. Layout is never part of it; the node id only where given. */
export function contentKey(parts: ContentKeyParts): string {
  return sha256Hex(canonicalJson(parts));
}
