import type { GraphDocument } from '../../core/document';

/**
 * Undo/redo as a history of whole documents (documents are immutable, so
 * this shares structure and costs little). Consecutive commits with the same
 * `key` within `burstMs` merge into one step: a drag or a typing burst undoes
 * at once.
 */
export interface History {
  readonly past: readonly GraphDocument[];
  readonly present: GraphDocument;
  readonly future: readonly GraphDocument[];
  readonly lastKey?: string;
  readonly lastAt: number;
}

export const HISTORY_LIMIT = 200;
export const BURST_MS = 1000;

export function createHistory(doc: GraphDocument): History {
  return { past: [], present: doc, future: [], lastAt: 0 };
}

export interface CommitOptions {
  /** Same key as the previous commit within the burst window: one undo step. */
  readonly key?: string;
  readonly now?: number;
  /** Merge with the previous same-key commit however long ago it was (a drag gesture). */
  readonly gesture?: boolean;
}

export function commit(history: History, doc: GraphDocument, options: CommitOptions = {}): History {
  if (doc === history.present) return history;
  const now = options.now ?? Date.now();
  const merge =
    options.key !== undefined &&
    options.key === history.lastKey &&
    (options.gesture === true || now - history.lastAt <= BURST_MS) &&
    history.future.length === 0;
  if (merge) return { ...history, present: doc, lastAt: now };
  const past = [...history.past, history.present];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return {
    past,
    present: doc,
    future: [],
    lastAt: now,
    ...(options.key !== undefined ? { lastKey: options.key } : {}),
  };
}

/** Replaces the present without an undo step (e.g. seeds changed by "increment after run"). */
export function replacePresent(history: History, doc: GraphDocument): History {
  return { ...history, present: doc };
}

export function undo(history: History): History {
  const previous = history.past[history.past.length - 1];
  if (!previous) return history;
  return {
    past: history.past.slice(0, -1),
    present: previous,
    future: [history.present, ...history.future],
    lastAt: 0,
  };
}

export function redo(history: History): History {
  const next = history.future[0];
  if (!next) return history;
  return {
    past: [...history.past, history.present],
    present: next,
    future: history.future.slice(1),
    lastAt: 0,
  };
}

/** Starts over with `doc` (opening another graph); the old graph is one undo away. */
export function reset(history: History, doc: GraphDocument): History {
  return commit({ ...history, future: [] }, doc, {});
}
