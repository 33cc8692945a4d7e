import { type ModelSession, type ModelSource, modelSourceSize, type OrtBackend } from './model-session';

export interface SessionPoolStats {
  readonly loads: number;
  readonly hits: number;
  readonly evictions: number;
  readonly bytes: number;
  readonly sessions: number;
}

interface Entry {
  readonly key: string;
  /** Model size, known once loaded. */
  bytes: number;
  readonly session: Promise<ModelSession>;
  leases: number;
}

export interface SessionLease {
  readonly session: ModelSession;
  /** Ends this use; the session stays pooled until evicted. */
  done(): void;
}

/**
 * Loaded ONNX sessions shared across runs, keyed by content (model sha256,
 * plus e.g. a merged LoRA's hash). Keeps at most `budgetBytes` of model bytes
 * loaded, evicting the least recently used sessions that no job is using.
 * A session in use is never released; the pool may exceed its budget until
 * that use ends rather than fail the job.
 */
export class SessionPool {
  readonly backend: OrtBackend;
  readonly #budget: number;
  readonly #entries = new Map<string, Entry>();
  #loads = 0;
  #hits = 0;
  #evictions = 0;

  constructor(backend: OrtBackend, budgetBytes: number) {
    this.backend = backend;
    this.#budget = budgetBytes;
  }

  /** Leases the session for `key`, loading it with `load` on a miss. */
  async acquire(key: string, label: string, load: () => Promise<ModelSource>): Promise<SessionLease> {
    let entry = this.#entries.get(key);
    if (entry) {
      this.#hits += 1;
      this.#entries.delete(key); // re-insert: most recently used last
      this.#entries.set(key, entry);
    } else {
      this.#loads += 1;
      const loading = load();
      const created: Entry = {
        key,
        bytes: 0,
        leases: 0,
        session: loading.then((model) =>
          this.backend.createSession(model, label).finally(() => model.afterLoad?.()),
        ),
      };
      loading.then(
        (model) => {
          created.bytes = modelSourceSize(model);
        },
        () => undefined,
      );
      entry = created;
      const session = created.session;
      this.#entries.set(key, entry);
      session.catch(() => this.#entries.get(key) === entry && this.#entries.delete(key));
    }
    entry.leases += 1;
    const held = entry;
    let session: ModelSession;
    try {
      session = await held.session;
    } catch (error) {
      held.leases -= 1;
      throw error;
    }
    this.#evict();
    let ended = false;
    return {
      session,
      done: () => {
        if (ended) return;
        ended = true;
        held.leases -= 1;
        this.#evict();
      },
    };
  }

  get stats(): SessionPoolStats {
    let bytes = 0;
    for (const entry of this.#entries.values()) bytes += entry.bytes;
    return {
      loads: this.#loads,
      hits: this.#hits,
      evictions: this.#evictions,
      bytes,
      sessions: this.#entries.size,
    };
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Releases every session no job is using. */
  async clear(): Promise<void> {
    const idle = [...this.#entries.values()].filter((e) => e.leases === 0);
    for (const entry of idle) this.#entries.delete(entry.key);
    await Promise.allSettled(idle.map(async (e) => (await e.session).release()));
  }

  #evict(): void {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.bytes;
    // The most recently used session stays even when it alone is over the budget: a model
    // bigger than the budget is then loaded once, not on every use.
    const entries = [...this.#entries.values()].slice(0, -1);
    for (const entry of entries) {
      if (total <= this.#budget) break;
      if (entry.leases > 0) continue;
      this.#entries.delete(entry.key);
      total -= entry.bytes;
      this.#evictions += 1;
      void entry.session.then((s) => s.release()).catch(() => undefined);
    }
  }
}
