import { emptyGraph, type GraphDocument, type JsonValue, type PortRef } from '../core/document';
import { pruneEdgeLayout } from '../core/edge-layout';
import type { LoadedGraph } from '../core/load-document';
import { validateGraph } from '../core/validate';
import { checkImageFile } from './image-file';
import { freeSpot, makeRoom, nodeRects, placeGroup } from './placement';
import { specOf } from './registry';
import { fileToDataUrl } from './sources';
import { type ClipboardPayload, copyNodes, parseClipboard, pasteNodes } from './state/clipboard';
import type { PendingHandle } from './state/compatible';
import {
  addNode,
  connect,
  connectReplacing,
  deleteNodes,
  edgesInto,
  ensurePositions,
  moveNodes,
  removeEdges,
  setParam,
  setTitle,
  withoutEdgesInto,
  type XY,
} from './state/graph-ops';
import {
  type CommitOptions,
  commit,
  createHistory,
  redo as redoHistory,
  replacePresent,
  reset,
  undo as undoHistory,
} from './state/history';
import { autoLayout, estimateSize } from './state/layout';
import { emptyRunState } from './state/run-state';
import type { SeedMode } from './state/seed';
import { seedKey } from './state/seed';
import {
  currentDoc,
  type Dialog,
  type EditorState,
  editorStore,
  type GraphTab,
  type Notice,
  newSessionId,
} from './store';

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
export function notify(
  kind: Notice['kind'],
  text: string,
  details?: readonly string[],
  topic?: Notice['topic'],
): void {
  noticeId += 1;
  set({
    notice: {
      kind,
      text,
      id: noticeId,
      ...(details && details.length > 0 ? { details } : {}),
      ...(topic ? { topic } : {}),
    },
  });
}

/** Dismisses the notice (with `topic`: only a notice about that, e.g. a failed run after a success). */
export function dismissNotice(topic?: Notice['topic']): void {
  const { notice } = editorStore.getState();
  if (!notice || (topic !== undefined && notice.topic !== topic)) return;
  set({ notice: undefined });
}

// ---- document edits ----------------------------------------------------------------------------

export function commitDoc(edited: GraphDocument, options?: CommitOptions): void {
  const state = editorStore.getState();
  // An edit of the edge set drops the reroute points of wires that are gone (core/edge-layout.ts).
  const doc = edited.edges === state.history.present.edges ? edited : pruneEdgeLayout(edited);
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

/** The free spot nearest to `position` (a top-left corner) for a new node of `type` (see placement.ts). */
function freePositionFor(doc: GraphDocument, type: string, position: XY): XY {
  const size = estimateSize({ id: '', type, typeVersion: 1, params: {} }, specOf);
  return freeSpot(position, size, nodeRects(doc, specOf, editorStore.getState().measured).values());
}

/**
 * Adds a node at the free spot nearest to `position` (never on top of
 * another); with `pending`, also wires the dragged connection to its `port`.
 */
export function addNodeAt(
  type: string,
  position: XY,
  pending?: PendingHandle,
  port?: string,
): string | undefined {
  const spec = specOf(type);
  if (!spec) return undefined;
  const added = addNode(currentDoc(), spec, freePositionFor(currentDoc(), type, position));
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

/**
 * Connects two ports, replacing the wire already into `to` (ComfyUI's habit);
 * a refusal is shown to the user with its reason. Within a wire gesture
 * (picked up from an input) the detach and the new wire are one undo step.
 */
export function connectPorts(from: PortRef, to: PortRef): boolean {
  const result = connectReplacing(currentDoc(), from, to, specOf);
  if (!result.ok) {
    refuse(result.reason);
    return false;
  }
  clearRefusal();
  commitDoc(result.doc, wireGesture);
  return true;
}

/** How long a refusal stays on screen (it fades out over its last second, see editor.css). */
export const REFUSAL_MS = 4000;
let refusalId = 0;

export function refuse(reason: string): void {
  refusalId += 1;
  const id = refusalId;
  set({ refusal: { reason, id } });
  setTimeout(() => {
    if (editorStore.getState().refusal?.id === id) set({ refusal: undefined });
  }, REFUSAL_MS);
}

export function clearRefusal(): void {
  if (editorStore.getState().refusal !== undefined) set({ refusal: undefined });
}

// ---- wire drags --------------------------------------------------------------------------------

let wireGestures = 0;
let wireGesture: CommitOptions = {};

/**
 * A wire drag starts. From a connected input, the wire is picked up (ComfyUI):
 * its edge is removed now, and dropping it on another input moves it there,
 * on an output reconnects the input, on empty canvas leaves it removed.
 */
export function startWireDrag(pending: PendingHandle): void {
  wireGestures += 1;
  wireGesture = { key: `wire:${wireGestures}`, gesture: true };
  const doc = currentDoc();
  const to = { node: pending.nodeId, port: pending.port };
  const occupant = pending.side === 'target' ? edgesInto(doc, to)[0] : undefined;
  if (occupant) {
    commitDoc(withoutEdgesInto(doc, to), wireGesture);
    set({ dragging: { ...pending, detached: { from: occupant.from, to: occupant.to } } });
  } else {
    set({ dragging: pending });
  }
}

export function endWireDrag(): void {
  set({ dragging: undefined });
  wireGesture = {};
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

/** An arranged graph (an example) is laid out again once its nodes are measured (dagre on real sizes). */
let relayoutSession: string | undefined;

export function setMeasured(sizes: Record<string, { width: number; height: number }>): void {
  const before = editorStore.getState().measured;
  set((s) => ({ measured: { ...s.measured, ...sizes } }));
  const state = editorStore.getState();
  const doc = state.history.present;
  if (relayoutSession === state.session) {
    if (!doc.nodes.every((n) => state.measured[n.id])) return;
    relayoutSession = undefined;
    set({ history: replacePresent(state.history, moveNodes(doc, autoLayout(doc, specOf, state.measured))) });
    requestFitView('readable');
    return;
  }
  // A node that grew (its output arrived) pushes the nodes it would now cover out of its way.
  let moved: Record<string, XY> = {};
  for (const [id, size] of Object.entries(sizes)) {
    const old = before[id];
    if (!old || (size.height <= old.height + 1 && size.width <= old.width + 1)) continue;
    const rects = nodeRects(moveNodes(doc, moved), specOf, state.measured);
    moved = { ...moved, ...makeRoom(rects, id, old) };
  }
  if (Object.keys(moved).length > 0) {
    const now = editorStore.getState();
    set({ history: replacePresent(now.history, moveNodes(now.history.present, moved)) });
  }
}

// ---- images -------------------------------------------------------------------------------------

/** Checks an image file and returns its data: URL, remembering its name and size; undefined (and a notice) when refused. */
async function acceptImage(file: File): Promise<string | undefined> {
  try {
    const { info } = await checkImageFile(file);
    const url = await fileToDataUrl(file);
    set((s) => ({ images: { ...s.images, [url]: info } }));
    return url;
  } catch (error) {
    notify('error', error instanceof Error ? error.message : String(error));
    return undefined;
  }
}

/** Uses an image file for a node's image param (a file choice is its own undo step). */
export async function setImageFromFile(nodeId: string, param: string, file: File): Promise<boolean> {
  const url = await acceptImage(file);
  if (url === undefined) return false;
  updateParam(nodeId, param, url, false);
  return true;
}

export const LOAD_IMAGE_TYPE = 'image.load';

/** A dropped or pasted image becomes a Load Image node at `position` (one undo step). */
export async function addImageNode(file: File, position: XY): Promise<string | undefined> {
  const spec = specOf(LOAD_IMAGE_TYPE);
  const param = spec?.params.find((p) => p.kind === 'image');
  if (!spec || !param) return undefined;
  const url = await acceptImage(file);
  if (url === undefined) return undefined;
  const added = addNode(currentDoc(), spec, freePositionFor(currentDoc(), LOAD_IMAGE_TYPE, position));
  commitDoc(setParam(added.doc, added.id, param.name, url));
  selectNodes([added.id]);
  return added.id;
}

// ---- clipboard -----------------------------------------------------------------------------------

let internalClipboard: ClipboardPayload | undefined;

/** Where pasted nodes go (flow coordinates): the pointer over the canvas, else the view's centre (set by the canvas). */
let pasteAnchor: () => XY | undefined = () => undefined;
export function setPasteAnchor(anchor: () => XY | undefined): void {
  pasteAnchor = anchor;
}
/** The pointer over the canvas, else the view's centre, in flow coordinates (where a new note goes). */
export function pointerAnchor(): XY | undefined {
  return pasteAnchor();
}

export async function copySelection(): Promise<void> {
  const { selectedNodes } = editorStore.getState();
  if (selectedNodes.size === 0) return;
  internalClipboard = copyNodes(currentDoc(), selectedNodes);
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

/**
 * Pastes `payload` with its arrangement kept, the group moved into the free
 * space nearest to `centre` (see placement.ts).
 */
function pastePayload(payload: ClipboardPayload, centre: XY, withInputs = false): void {
  const doc = currentDoc();
  const { measured } = editorStore.getState();
  const group = payload.nodes.map((n) => {
    const p = payload.positions[n.id] ?? { x: 0, y: 0 };
    const size = measured[n.id] ?? estimateSize(n, specOf);
    return { x: p.x, y: p.y, width: size.width, height: size.height };
  });
  const offset = placeGroup(group, nodeRects(doc, specOf, measured).values(), centre);
  const result = pasteNodes(doc, payload, specOf, offset, withInputs);
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

/**
 * Pastes the system clipboard when it holds kosmograph nodes, else the in-app
 * clipboard, near the pointer; `withInputs` (Ctrl+Shift+V) keeps the wires
 * into the pasted nodes from nodes outside them.
 */
export async function paste(text?: string, withInputs = false): Promise<void> {
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
  const centre = pasteAnchor() ?? groupCentre(payload);
  pastePayload(payload, centre, withInputs);
}

/** The centre of the copied nodes where they were (when the canvas gives no anchor). */
function groupCentre(payload: ClipboardPayload): XY {
  const xs = Object.values(payload.positions);
  if (xs.length === 0) return { x: 0, y: 0 };
  return {
    x: xs.reduce((a, p) => a + p.x, 0) / xs.length,
    y: xs.reduce((a, p) => a + p.y, 0) / xs.length,
  };
}

/** Duplicates the selection (wires between the copies kept) right of it, in free space. */
export function duplicateSelection(): void {
  const { selectedNodes, measured } = editorStore.getState();
  if (selectedNodes.size === 0) return;
  const doc = currentDoc();
  const payload = copyNodes(doc, selectedNodes);
  const rects = nodeRects(doc, specOf, measured);
  const box = [...selectedNodes].map((id) => rects.get(id)).filter((r) => r !== undefined);
  const right = Math.max(...box.map((r) => r.x + r.width));
  const top = Math.min(...box.map((r) => r.y));
  const bottom = Math.max(...box.map((r) => r.y + r.height));
  const width = right - Math.min(...box.map((r) => r.x));
  // Just right of the originals; the search moves it on if that is taken.
  pastePayload(payload, { x: right + 40 + width / 2, y: (top + bottom) / 2 }, false);
}

// ---- whole-graph operations ---------------------------------------------------------------------

/** Asks the canvas to fit the view (a counter the canvas watches). */
export type FitMode = 'all' | 'readable';
export const fitRequests = { count: 0, listeners: new Set<(mode: FitMode) => void>() };
/**
 * Fit view asks for every node (`all`, the default: Fit view, Auto layout);
 * opening a graph asks for a `readable` fit (see state/readable-fit.ts).
 */
export function requestFitView(mode: FitMode = 'all'): void {
  fitRequests.count += 1;
  for (const l of fitRequests.listeners) l(mode);
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
  // A new session: nothing of the old graph's runs (badges, pictures, errors, the Runs list) shows on this one.
  const session = newSessionId();
  // Arranged on estimated sizes; again on measured ones as soon as the canvas has them.
  relayoutSession = options.arrange ? session : undefined;
  set({
    history,
    session,
    run: emptyRunState(),
    selectedNodes: new Set(),
    selectedEdges: new Set(),
    measured: {},
    baseUrl: options.baseUrl,
    seedModes: {},
    refusal: undefined,
    dragging: undefined,
  });
  dismissNotice('run');
  validateNow();
  requestFitView('readable');
  if (loaded.warnings.length > 0) notify('info', `Opened ${options.source} with warnings`, loaded.warnings);
  else if (!options.quiet) notify('info', `Opened ${options.source}`);
}

/** "New": an empty canvas (the old graph is one undo away). */
export function newGraph(): void {
  openGraph({ graph: emptyGraph(), warnings: [] }, { source: 'a new graph', quiet: true });
}

// ---- tabs (several graphs) -----------------------------------------------------------------------

/** The active tab as it is now (its live fields), for storing in `tabs`. */
export function liveTab(state: EditorState): GraphTab {
  return {
    id: state.tabId,
    session: state.session,
    history: state.history,
    run: state.run,
    seedModes: state.seedModes,
    ...(state.baseUrl !== undefined ? { baseUrl: state.baseUrl } : {}),
  };
}

/** The state patch that makes `tab` the active one (the current one is stored in `tabs`). */
function activate(state: EditorState, tab: GraphTab, tabs: readonly GraphTab[]): Partial<EditorState> {
  return {
    tabs: tabs.map((t) => (t.id === state.tabId ? liveTab(state) : t)),
    tabId: tab.id,
    session: tab.session,
    history: tab.history,
    run: tab.run,
    seedModes: tab.seedModes,
    baseUrl: tab.baseUrl,
    selectedNodes: new Set(),
    selectedEdges: new Set(),
    measured: {},
    refusal: undefined,
    dragging: undefined,
    search: undefined,
    renaming: false,
  };
}

function afterTabChange(): void {
  validateNow();
  requestFitView('readable');
}

/** Opens a new tab with an empty graph (the other tabs keep their graphs, runs and undo). */
export function newTab(): string {
  const state = editorStore.getState();
  const tab: GraphTab = {
    id: newSessionId('tab'),
    session: newSessionId(),
    history: createHistory(emptyGraph()),
    run: emptyRunState(),
    seedModes: {},
  };
  set(activate(state, tab, [...state.tabs, tab]));
  afterTabChange();
  return tab.id;
}

export function switchTab(id: string): void {
  const state = editorStore.getState();
  const tab = state.tabs.find((t) => t.id === id);
  if (!tab || id === state.tabId) return;
  set(activate(state, tab, state.tabs));
  afterTabChange();
}

/** Closes a tab (its queued and running jobs are cancelled); the last tab closed leaves an empty one. */
export function closeTab(id: string): void {
  const state = editorStore.getState();
  const index = state.tabs.findIndex((t) => t.id === id);
  if (index < 0) return;
  if (state.tabs.length === 1) {
    newTab();
    set((s) => ({ tabs: s.tabs.filter((t) => t.id !== id) }));
    return;
  }
  if (id === state.tabId) {
    const next = state.tabs[index + 1] ?? state.tabs[index - 1]!;
    switchTab(next.id);
  }
  set((s) => ({ tabs: s.tabs.filter((t) => t.id !== id) }));
}

/** Renames the current graph (its `meta.name`, the tab's and the exported file's name); one undo step. */
export function renameGraph(name: string): void {
  const doc = currentDoc();
  const { name: _old, ...meta } = doc.meta ?? {};
  const trimmed = name.trim();
  if ((doc.meta?.name ?? '') === trimmed) return;
  const nextMeta: NonNullable<GraphDocument['meta']> = trimmed === '' ? meta : { ...meta, name: trimmed };
  const next: GraphDocument = { ...doc };
  if (Object.keys(nextMeta).length > 0) next.meta = nextMeta;
  else delete next.meta;
  commitDoc(next);
}

export function startRename(): void {
  set({ renaming: true });
}

export function endRename(): void {
  set({ renaming: false });
}

/** Shows or hides a collapsed side panel (narrow windows). */
export function togglePanel(panel: 'palette' | 'inspector'): void {
  set((s) => ({ openPanel: s.openPanel === panel ? undefined : panel }));
}

export function openDialog(dialog: Dialog): void {
  set({ dialog });
}

export function openSearch(screen: XY, flow: XY, pending?: PendingHandle): void {
  set({ search: pending ? { screen, flow, pending } : { screen, flow } });
}

export function closeSearch(): void {
  set({ search: undefined });
}
