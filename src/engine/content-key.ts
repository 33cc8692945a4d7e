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
}

/** The cache key of a node's result: equal keys mean equal outputs. Layout and ids are not part of it. */
export function contentKey(parts: ContentKeyParts): string {
  return sha256Hex(canonicalJson(parts));
}
