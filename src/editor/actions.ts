import { emptyGraph, type GraphDocument, type JsonValue, type PortRef } from '../core/document';
import type { LoadedGraph } from '../core/load-document';
import { validateGraph } from '../core/validate';
import { specOf } from './registry';
import { type ClipboardPayload, copyNodes, parseClipboard, pasteNodes } from './state/clipboard';
import type { PendingHandle } from './state/compatible';
import {
  addNode,
  connect,
  deleteNodes,
  ensurePositions,
  moveNodes,
  removeEdges,
  setParam,
  setTitle,
  type XY,
} from './state/graph-ops';
import { type CommitOptions, commit, redo as redoHistory, reset, undo as undoHistory } from './state/history';
import { autoLayout } from './state/layout';
import type { SeedMode } from './state/seed';
import { seedKey } from './state/seed';
import { currentDoc, editorStore, type Notice } from './store';

/** Every change to the editor goes through these functions (the React components only call them). */

const set = editorStore.setState;

// ---- validation, refreshed shortly after edits -------------------------------------------------

let validateTimer: ReturnType<typeof setTimeout> | undefined;
let validatedDoc: GraphDocument | undefined;

/** Re-validates when the user pauses (the validator is linear-ish but not free on 1,000 nodes). */
function scheduleValidation(): void {
  if (validateTimer !== undefined) clearTimeout(validateTimer);
  validateTimer = setTimeout(() => {
    validateTimer = undefined;
    const run = () => {
      const doc = currentDoc();
      if (doc === validatedDoc) return;
      validatedDoc = doc;
      set({ issues: validateGraph(doc, specOf) });
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 1000 });
    else run();
  }, 150);
}

export function validateNow(): void {
  const doc = currentDoc();
  validatedDoc = doc;
  set({ issues: validateGraph(doc, specOf) });
}

// ---- notices -----------------------------------------------------------------------------------

let noticeId = 0;
export function notify(kind: Notice['kind'], text: string, details?: readonly string[]): void {
  noticeId += 1;
  set({ notice: { kind, text, id: noticeId, ...(details && details.length > 0 ? { details } : {}) } });
}

export function dismissNotice(): void {
  set({ notice: undefined });
}

// ---- document edits ----------------------------------------------------------------------------

export function commitDoc(doc: GraphDocument, options?: CommitOptions): void {
  const state = editorStore.getState();
  const history = commit(state.history, doc, options);
  if (history === state.history) return;
  set({ history });
  scheduleValidation();
}

function pruneSelection(doc: GraphDocument): void {
  const state = editorStore.getState();
  const ids = new Set(doc.nodes.map((n) => n.id));
  const nodes = [...state.selectedNodes].filter((id) => ids.has(id));
  if (nodes.length !== state.selectedNodes.size) set({ selectedNodes: new Set(nodes) });
  if (state.selectedEdges.size > 0) set({ selectedEdges: new Set() });
}

export function undo(): void {
  const history = undoHistory(editorStore.getState().history);
  set({ history });
  pruneSelection(history.present);
  scheduleValidation();
}

export function redo(): void {
  const history = redoHistory(editorStore.getState().history);
  set({ history });
  pruneSelection(history.present);
  scheduleValidation();
}

export function selectNodes(ids: Iterable<string>, edges: Iterable<string> = []): void {
  set({ selectedNodes: new Set(ids), selectedEdges: new Set(edges) });
}

export function selectAll(): void {
  selectNodes(currentDoc().nodes.map((n) => n.id));
}

/** Adds a node; with `pending`, also wires the dragged connection to the new node's `port`. */
export function addNodeAt(
  type: string,
  position: XY,
  pending?: PendingHandle,
  port?: string,
): string | undefined {
  const spec = specOf(type);
  if (!spec) return undefined;
  const added = addNode(currentDoc(), spec, position);
  let doc = added.doc;
  if (pending && port) {
    const result =
      pending.side === 'source'
        ? connect(doc, { node: pending.nodeId, port: pending.port }, { node: added.id, port }, specOf)
        : connect(doc, { node: added.id, port }, { node: pending.nodeId, port: pending.port }, specOf);
    if (result.ok) doc = result.doc;
    else notify('error', `Connection refused: ${result.reason}`);
  }
  commitDoc(doc);
  selectNodes([added.id]);
  return added.id;
}

/** Connects two ports; a refusal is shown to the user with its reason. */
export function connectPorts(from: PortRef, to: PortRef): boolean {
  const result = connect(currentDoc(), from, to, specOf);
  if (!result.ok) {
    refuse(result.reason);
    return false;
  }
  commitDoc(result.doc);
  return true;
}

export function refuse(reason: string): void {
  set({ refusal: reason });
}

export function clearRefusal(): void {
  if (editorStore.getState().refusal !== undefined) set({ refusal: undefined });
}

export function deleteElements(nodeIds: Iterable<string>, edgeIds: Iterable<string>): void {
  let doc = removeEdges(currentDoc(), new Set(edgeIds));
  doc = deleteNodes(doc, new Set(nodeIds));
  commitDoc(doc);
  pruneSelection(doc);
}

export function deleteSelection(): void {
  const { selectedNodes, selectedEdges } = editorStore.getState();
  deleteElements(selectedNodes, selectedEdges);
}

/** Sets a param; keystrokes in one field within a second are one undo step (`burst` false: a step of its own). */
export function updateParam(nodeId: string, name: string, value: JsonValue, burst = true): void {
  commitDoc(setParam(currentDoc(), nodeId, name, value), burst ? { key: `param:${nodeId}:${name}` } : {});
}

export function renameNode(nodeId: string, title: string): void {
  commitDoc(setTitle(currentDoc(), nodeId, title), { key: `title:${nodeId}` });
}

export function setSeedMode(nodeId: string, param: string, mode: SeedMode): void {
  const seedModes = { ...editorStore.getState().seedModes, [seedKey(nodeId, param)]: mode };
  set({ seedModes });
}

let gesture = 0;
export function beginDrag(): void {
  gesture += 1;
}

export function dragNodes(positions: Record<string, XY>): void {
  commitDoc(moveNodes(currentDoc(), positions), { key: `drag:${gesture}`, gesture: true });
}

export function setMeasured(sizes: Record<string, { width: number; height: number }>): void {
  set((s) => ({ measured: { ...s.measured, ...sizes } }));
}

// ---- clipboard -----------------------------------------------------------------------------------

let internalClipboard: ClipboardPayload | undefined;
let pasteCount = 0;

export async function copySelection(): Promise<void> {
  const { selectedNodes } = editorStore.getState();
  if (selectedNodes.size === 0) return;
  internalClipboard = copyNodes(currentDoc(), selectedNodes);
  pasteCount = 0;
  try {
    await navigator.clipboard.writeText(JSON.stringify(internalClipboard));
  } catch {
    // No clipboard permission (e.g. an unfocused page): the in-app clipboard still works.
  }
}

export async function cutSelection(): Promise<void> {
  await copySelection();
  deleteSelection();
}

function pastePayload(payload: ClipboardPayload, offset: XY): void {
  const result = pasteNodes(currentDoc(), payload, specOf, offset);
  commitDoc(result.doc);
  selectNodes(result.ids);
  if (result.dropped.length > 0) {
    notify(
      'info',
      `Pasted without ${result.dropped.length} connection(s)`,
      result.dropped.map((d) => d.reason),
    );
  }
}

/** Pastes the system clipboard when it holds kosmograph nodes, else the in-app clipboard. */
export async function paste(text?: string): Promise<void> {
  let payload = text !== undefined ? parseClipboard(text) : undefined;
  if (!payload && text === undefined) {
    try {
      payload = parseClipboard(await navigator.clipboard.readText());
    } catch {
      payload = undefined;
    }
  }
  payload ??= internalClipboard;
  if (!payload) return;
  pasteCount += 1;
  pastePayload(payload, { x: 40 * pasteCount, y: 40 * pasteCount });
}

export function duplicateSelection(): void {
  const { selectedNodes } = editorStore.getState();
  if (selectedNodes.size === 0) return;
  pastePayload(copyNodes(currentDoc(), selectedNodes), { x: 40, y: 40 });
}

// ---- whole-graph operations ---------------------------------------------------------------------

/** Asks the canvas to fit the view (a counter the canvas watches). */
export const fitRequests = { count: 0, listeners: new Set<() => void>() };
export function requestFitView(): void {
  fitRequests.count += 1;
  for (const l of fitRequests.listeners) l();
}

export function layoutGraph(): void {
  const state = editorStore.getState();
  const doc = state.history.present;
  const selected = state.selectedNodes;
  const positions = autoLayout(doc, specOf, state.measured);
  // With a selection of several nodes, only those move (relative to where the first one was).
  if (selected.size > 1) {
    const sub = { ...doc, nodes: doc.nodes.filter((n) => selected.has(n.id)) };
    const laid = autoLayout(sub, specOf, state.measured);
    const first = sub.nodes[0]!;
    const anchor = doc.layout?.nodes[first.id] ?? { x: 0, y: 0 };
    const dx = anchor.x - laid[first.id]!.x;
    const dy = anchor.y - laid[first.id]!.y;
    const moved = Object.fromEntries(
      Object.entries(laid).map(([id, p]) => [id, { x: p.x + dx, y: p.y + dy }]),
    );
    commitDoc(moveNodes(doc, moved));
    return;
  }
  commitDoc(moveNodes(doc, positions));
  requestFitView();
}

export interface OpenOptions {
  /** Shown in the notice, e.g. the file name. */
  readonly source: string;
  /** Folder URL relative image paths resolve against. */
  readonly baseUrl?: string;
  /** Undo back to the previous graph (true) or start a fresh history (first load). */
  readonly undoable?: boolean;
  readonly quiet?: boolean;
  /** Re-arrange with auto layout (examples, whose stored positions assume smaller nodes). */
  readonly arrange?: boolean;
}

/** Replaces the graph with a loaded one (the old one stays one undo away). */
export function openGraph(loaded: LoadedGraph, options: OpenOptions): void {
  let doc = ensurePositions(loaded.graph);
  if (options.arrange) doc = moveNodes(doc, autoLayout(doc, specOf));
  const state = editorStore.getState();
  const history =
    options.undoable === false
      ? { ...state.history, past: [], future: [], present: doc }
      : reset(state.history, doc);
  set({
    history,
    selectedNodes: new Set(),
    selectedEdges: new Set(),
    measured: {},
    baseUrl: options.baseUrl,
    seedModes: {},
  });
  validateNow();
  requestFitView();
  if (loaded.warnings.length > 0) notify('info', `Opened ${options.source} with warnings`, loaded.warnings);
  else if (!options.quiet) notify('info', `Opened ${options.source}`);
}

/** "New": an empty canvas (the old graph is one undo away). */
export function newGraph(): void {
  openGraph({ graph: emptyGraph(), warnings: [] }, { source: 'a new graph', quiet: true });
}

export function openDialog(dialog: 'help' | 'pack' | undefined): void {
  set({ dialog });
}

export function openSearch(screen: XY, flow: XY, pending?: PendingHandle): void {
  set({ search: pending ? { screen, flow, pending } : { screen, flow } });
}

export function closeSearch(): void {
  set({ search: undefined });
}
