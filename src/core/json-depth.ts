/**
 * Nesting depth of parsed JSON, measured without recursion. V8's `JSON.parse` is iterative and
 * reads any depth, but everything after it that walks the value (zod's recursive schemas,
 * `JSON.stringify`, structured clone) recurses and overflows the stack on a value nested some
 * thousands deep. Untrusted JSON is therefore checked here first, in one explicit-stack pass.
 */

/**
 * The depth of `value` if it exceeds `max` (objects and arrays count one level each; scalars 0),
 * else undefined. Stops at the first level past `max`, so a hostile value costs at most one walk.
 */
export function jsonDepthOver(value: unknown, max: number): number | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const level = depth + 1;
    if (level > max) return level;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: level });
    }
  }
  return undefined;
}

interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: string;
}

function pathText(node: PathNode | undefined): string {
  const keys: string[] = [];
  for (let at = node; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

/**
 * Where `value` has an own `__proto__` key (as `JSON.parse` makes from `{"__proto__": ...}`), as a
 * dotted path (`nodes.0.params.__proto__`), or undefined. zod drops such keys silently and plain
 * objects cannot hold them, so loaders refuse them by name rather than lose data. One
 * explicit-stack pass, like {@link jsonDepthOver}.
 */
export function protoKeyPath(value: unknown): string | undefined {
  const stack: { value: unknown; path: PathNode | undefined }[] = [{ value, path: undefined }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (!Array.isArray(current) && Object.hasOwn(current, '__proto__')) {
      return pathText({ parent: path, key: '__proto__' });
    }
    const entries = Array.isArray(current) ? current.entries() : Object.entries(current);
    for (const [key, child] of entries) {
      if (typeof child === 'object' && child !== null)
        stack.push({ value: child, path: { parent: path, key: String(key) } });
    }
  }
  return undefined;
}
