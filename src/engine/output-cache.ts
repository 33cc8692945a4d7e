import type { NodeResult } from '../core/node-definition';

/**
 * Node results across runs, by content key, least-recently-used first out.
 * Results are immutable once stored: nodes never mutate their inputs.
 */
export class OutputCache {
  readonly #entries = new Map<string, NodeResult>();
  readonly #capacity: number;

  constructor(capacity = 256) {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError('cache capacity must be a whole number');
    this.#capacity = capacity;
  }

  get(key: string): NodeResult | undefined {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, result: NodeResult): void {
    this.#entries.delete(key);
    this.#entries.set(key, result);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
