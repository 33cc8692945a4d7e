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
