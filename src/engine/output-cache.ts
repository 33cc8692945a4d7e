import type { NodeResult } from '../core/node-definition';
import { estimateResultBytes } from './result-size';

/**
 * The default byte budget of the output cache: 512 MiB. At SD1.5's 512x512 a cached image is
 * 0.8 MB, a latent 64 KB, a conditioning 0.24 MB, so hundreds of results fit, and a LoRA file's
 * bytes (10-150 MB) too; model sessions are not in it (the session pool has its own budget).
 */
export const DEFAULT_CACHE_BYTES = 512 * 1024 * 1024;

export interface OutputCacheOptions {
  /** Most estimated bytes kept (`estimateResultBytes`); default `DEFAULT_CACHE_BYTES`. */
  readonly maxBytes?: number;
  /** Most entries kept; default no limit but the bytes. */
  readonly maxEntries?: number;
}

interface Entry {
  readonly result: NodeResult;
  readonly bytes: number;
}

/**
 * Node results across runs, by cache key, bounded by estimated bytes: least recently used out
 * first (a `get` counts as a use); a result bigger than the whole budget is not kept (it would
 * evict everything and then itself). Results are immutable once stored: nodes never mutate
 * their inputs.
 */
export class OutputCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxBytes: number;
  readonly #maxEntries: number;
  #bytes = 0;

  constructor(options: OutputCacheOptions = {}) {
    const { maxBytes = DEFAULT_CACHE_BYTES, maxEntries = Number.POSITIVE_INFINITY } = options;
    if (!(maxBytes >= 0) || !Number.isFinite(maxBytes))
      throw new RangeError(`cache maxBytes must be a finite number >= 0, got ${maxBytes}`);
    if (!(maxEntries >= 0) || !(Number.isInteger(maxEntries) || maxEntries === Number.POSITIVE_INFINITY))
      throw new RangeError(`cache maxEntries must be a whole number >= 0, got ${maxEntries}`);
    this.#maxBytes = maxBytes;
    this.#maxEntries = maxEntries;
  }

  get(key: string): NodeResult | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit.result;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Keeps `result` under `key` (replacing an older one) and evicts the least recently used over budget. */
  set(key: string, result: NodeResult, bytes: number = estimateResultBytes(result)): void {
    this.#remove(key);
    if (bytes > this.#maxBytes || this.#maxEntries === 0) return;
    this.#entries.set(key, { result, bytes });
    this.#bytes += bytes;
    while (this.#bytes > this.#maxBytes || this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#remove(oldest);
    }
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys from least to most recently used. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
