import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { GraphDocument, GraphNode, PortRef } from '../core/document';
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
  /** What the notice is about: a `run` notice goes when a later run of the graph succeeds. */
  readonly topic?: 'run';
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

export type Dialog = 'help' | 'pack' | 'save-as' | 'gallery' | undefined;

/**
 * One open graph (a tab). The active tab's live state is in the top-level
 * fields of `EditorState`; its entry in `tabs` is refreshed when another tab
 * is chosen. `session` changes whenever the tab's graph is replaced (New,
 * Open, Import, a dropped graph): run state and events belong to a session.
 */
export interface GraphTab {
  readonly id: string;
  readonly session: string;
  readonly history: History;
  readonly run: RunState;
  readonly seedModes: SeedModes;
  readonly baseUrl?: string;
}

/** A wire being dragged: compatible handles light up, others dim. */
export interface DraggedWire extends PendingHandle {
  /** The wire was picked up from a connected input: its old edge, to reconnect elsewhere. */
  readonly detached?: { readonly from: PortRef; readonly to: PortRef };
}

/** What the editor remembers about an image chosen for a param (its data: URL does not say). */
export interface ImageInfo {
  readonly name: string;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
}

export interface EditorState {
  readonly history: History;
  readonly selectedNodes: ReadonlySet<string>;
  readonly selectedEdges: ReadonlySet<string>;
  /** Measured node sizes from the canvas (not part of the document). */
  readonly measured: Readonly<Record<string, { width: number; height: number }>>;
  readonly run: RunState;
  /** The active tab and its graph's session (see `GraphTab`). */
  readonly tabId: string;
  readonly session: string;
  /** Every open graph, in tab order (the active one's entry is stale while it is active). */
  readonly tabs: readonly GraphTab[];
  readonly seedModes: SeedModes;
  /** Relative image paths in the document resolve against this URL (an example's folder). */
  readonly baseUrl?: string;
  /** Issues of the current document (validator), refreshed shortly after edits. */
  readonly issues: readonly ValidationIssue[];
  readonly notice?: Notice;
  /** The reason the last attempted connection was refused (fades after a few seconds). */
  readonly refusal?: { readonly reason: string; readonly id: number };
  /** The active tab's name is being edited. */
  readonly renaming?: boolean;
  /** Below 1100 px the side panels collapse; this one is shown over the canvas. */
  readonly openPanel?: 'palette' | 'inspector';
  /** The wire being dragged, if any. */
  readonly dragging?: DraggedWire;
  /** File names and sizes of images chosen in this editor, by data: URL. */
  readonly images: Readonly<Record<string, ImageInfo>>;
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

let sessionCounter = 0;
/** A new session (or tab) id, unique in this page. */
export function newSessionId(prefix = 's'): string {
  sessionCounter += 1;
  return `${prefix}${sessionCounter}`;
}

export function initialEditorState(): EditorState {
  const history = createHistory(emptyGraph());
  const tabId = newSessionId('tab');
  const session = newSessionId();
  const run = emptyRunState();
  return {
    history,
    selectedNodes: new Set(),
    selectedEdges: new Set(),
    measured: {},
    run,
    tabId,
    session,
    tabs: [{ id: tabId, session, history, run, seedModes: {} }],
    images: {},
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
