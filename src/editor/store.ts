import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { GraphDocument, GraphNode } from '../core/document';
import { emptyGraph } from '../core/document';
import type { ValidationIssue } from '../core/validation-error';
import type { EngineStatus, PackInfo, PackLoadProgress } from '../engine/engine-api';
import type { PendingHandle } from './state/compatible';
import type { XY } from './state/graph-ops';
import { createHistory, type History } from './state/history';
import { emptyRunState, type RunState } from './state/run-state';
import type { SeedModes } from './state/seed';

export interface Notice {
  readonly kind: 'error' | 'info';
  readonly text: string;
  /** Extra lines (e.g. one per validation issue). */
  readonly details?: readonly string[];
  readonly id: number;
}

export interface SearchBox {
  /** Where the box opens, in screen pixels relative to the canvas. */
  readonly screen: XY;
  /** Where a chosen node goes, in flow coordinates. */
  readonly flow: XY;
  /** The dragged connection the new node should take. */
  readonly pending?: PendingHandle;
}

export interface PackState {
  /** The source last opened (or being opened): `reference`, a URL or `folder:<name>`. */
  readonly source: string;
  /** What the engine recognised there (layout, components). */
  readonly info?: PackInfo;
  readonly progress?: PackLoadProgress;
  readonly loading: boolean;
  readonly error?: string;
  /** Every source opened in this engine so far (newest first), for the model picker. */
  readonly opened?: readonly PackInfo[];
  /** What the last open did to the graph, e.g. "Load Checkpoint node ckpt now uses folder:sd". */
  readonly applied?: string;
}

export type Dialog = 'help' | 'pack' | undefined;

export interface EditorState {
  readonly history: History;
  readonly selectedNodes: ReadonlySet<string>;
  readonly selectedEdges: ReadonlySet<string>;
  /** Measured node sizes from the canvas (not part of the document). */
  readonly measured: Readonly<Record<string, { width: number; height: number }>>;
  readonly run: RunState;
  readonly seedModes: SeedModes;
  /** Relative image paths in the document resolve against this URL (an example's folder). */
  readonly baseUrl?: string;
  /** Issues of the current document (validator), refreshed shortly after edits. */
  readonly issues: readonly ValidationIssue[];
  readonly notice?: Notice;
  /** The reason the last attempted connection was refused. */
  readonly refusal?: string;
  readonly search?: SearchBox;
  readonly dialog: Dialog;
  readonly pack: PackState;
  readonly engine?: EngineStatus;
  readonly engineError?: string;
  readonly ready: boolean;
  /** The last share link made (also shown when the clipboard is unavailable). */
  readonly lastShareLink?: string;
}

type Listener = () => void;

export interface Store<S> {
  getState(): S;
  setState(update: Partial<S> | ((state: S) => Partial<S>)): void;
  subscribe(listener: Listener): () => void;
}

export function createStore<S>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<Listener>();
  return {
    getState: () => state,
    setState(update) {
      const patch = typeof update === 'function' ? update(state) : update;
      let changed = false;
      for (const key of Object.keys(patch) as (keyof S)[]) {
        if (!Object.is(state[key], patch[key])) changed = true;
      }
      if (!changed) return;
      state = { ...state, ...patch };
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function initialEditorState(): EditorState {
  return {
    history: createHistory(emptyGraph()),
    selectedNodes: new Set(),
    selectedEdges: new Set(),
    measured: {},
    run: emptyRunState(),
    seedModes: {},
    issues: [],
    dialog: undefined,
    pack: { source: 'reference', loading: false },
    ready: false,
  };
}

export const editorStore = createStore<EditorState>(initialEditorState());

/**
 * Subscribes a component to one slice of the editor state. The selector must
 * return a value that stays the same (`Object.is`) while the slice does not
 * change: a primitive or an object already in the state.
 */
export function useEditor<T>(selector: (state: EditorState) => T): T {
  const ref = useRef(selector);
  ref.current = selector;
  const get = useCallback(() => ref.current(editorStore.getState()), []);
  return useSyncExternalStore(editorStore.subscribe, get, get);
}

export const currentDoc = (): GraphDocument => editorStore.getState().history.present;

const nodeIndexCache = new WeakMap<GraphDocument, Map<string, GraphNode>>();

/** Nodes by id, computed once per document. */
export function nodeIndex(doc: GraphDocument): Map<string, GraphNode> {
  let index = nodeIndexCache.get(doc);
  if (!index) {
    index = new Map(doc.nodes.map((n) => [n.id, n]));
    nodeIndexCache.set(doc, index);
  }
  return index;
}

const connectedCache = new WeakMap<GraphDocument, Map<string, string>>();

/** Connected input ports of a node as a stable string `a,b` (for narrow selectors). */
export function connectedInputs(doc: GraphDocument, nodeId: string): string {
  let index = connectedCache.get(doc);
  if (!index) {
    const lists = new Map<string, string[]>();
    for (const e of doc.edges) {
      const list = lists.get(e.to.node) ?? [];
      list.push(e.to.port);
      lists.set(e.to.node, list);
    }
    index = new Map([...lists].map(([id, ports]) => [id, ports.sort().join(',')]));
    connectedCache.set(doc, index);
  }
  return index.get(nodeId) ?? '';
}

const issuesCache = new WeakMap<readonly ValidationIssue[], Map<string, readonly ValidationIssue[]>>();
const NO_ISSUES: readonly ValidationIssue[] = [];

/** Issues about one node (validator and engine), stable per issues array. */
export function issuesFor(issues: readonly ValidationIssue[], nodeId: string): readonly ValidationIssue[] {
  let index = issuesCache.get(issues);
  if (!index) {
    const map = new Map<string, ValidationIssue[]>();
    for (const issue of issues) {
      if (issue.nodeId === undefined) continue;
      const list = map.get(issue.nodeId) ?? [];
      list.push(issue);
      map.set(issue.nodeId, list);
    }
    index = map;
    issuesCache.set(issues, index);
  }
  return index.get(nodeId) ?? NO_ISSUES;
}
