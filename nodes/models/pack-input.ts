import type { PackHandle } from '../../src/runtime/models/pack-handle';

export function packInput(inputs: Readonly<Record<string, unknown>>, port: string): PackHandle {
  const value = inputs[port];
  if (typeof value !== 'object' || value === null || !('models' in value) || !('readFile' in value)) {
    throw new Error(`input "${port}" is not a model pack`);
  }
  return value as PackHandle;
}

/** The entry `name` of a pack's component map, or an error listing what the pack has. */
export function namedComponent<T>(
  entries: Readonly<Record<string, T>>,
  name: string,
  what: string,
  pack: PackHandle,
): T {
  // Own keys only: a name such as "constructor" or "__proto__" is a name, not Object.prototype's.
  const entry = Object.hasOwn(entries, name) ? entries[name] : undefined;
  if (entry === undefined) {
    const available = Object.keys(entries);
    throw new Error(
      `pack ${pack.models.name} has no ${what} "${name}"${available.length ? ` (it has: ${available.join(', ')})` : ''}`,
    );
  }
  return entry;
}
