import type { NodeSpec, NodeSpecLookup } from './node-spec';

/**
 * Node kinds as data only, by type: what the editor's main thread needs (palette, rendering,
 * validation, loading with param migrations) without the `execute` code a `NodeRegistry` holds.
 */
export class NodeSpecRegistry {
  readonly #specs = new Map<string, NodeSpec>();

  constructor(specs: Iterable<NodeSpec>) {
    for (const spec of specs) {
      if (this.#specs.has(spec.type)) throw new Error(`node type "${spec.type}" listed twice`);
      this.#specs.set(spec.type, spec);
    }
  }

  /** A `NodeSpecLookup` for validation, connection checks and loading (specs carry their migrations). */
  readonly lookup: NodeSpecLookup = (type) => this.#specs.get(type);

  /** Every spec, in the order given (the palette's). */
  list(): NodeSpec[] {
    return [...this.#specs.values()];
  }
}
