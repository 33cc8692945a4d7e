import {
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  type EdgeTypes,
  type FinalConnectionState,
  MiniMap,
  type Node,
  type NodeChange,
  type NodeTypes,
  Panel,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { canConnect } from '../../core/can-connect';
import type { GraphDocument } from '../../core/document';
import { outputPort, targetPort } from '../../core/node-spec';
import { SOCKET_COLORS } from '../../core/socket-types';
import {
  addImageNode,
  addNodeAt,
  beginDrag,
  clearRefusal,
  connectPorts,
  dragNodes,
  endWireDrag,
  type FitMode,
  fitRequests,
  openSearch,
  refuse,
  selectNodes,
  setMeasured,
  setPasteAnchor,
  startWireDrag,
} from '../actions';
import { droppedFileKind } from '../dropped-file';
import { openGraphFile } from '../files';
import { beginGroupDrag, dragGroup } from '../group-actions';
import { beginNoteDrag, dragNote } from '../note-actions';
import { connectToParam } from '../param-input-actions';
import { handlePaste } from '../paste';
import { specOf } from '../registry';
import type { PendingHandle } from '../state/compatible';
import { edgeId, withoutEdgesInto, type XY } from '../state/graph-ops';
import { groupFlowNodes, groupIdOf, hideNodes } from '../state/group-flow';
import { hiddenByGroups } from '../state/groups';
import { noteFlowNodes, noteIdOf } from '../state/notes';
import { READABLE_ZOOM, readableFitTargets } from '../state/readable-fit';
import { currentDoc, editorStore, nodeIndex, useEditor } from '../store';
import { ConnectionList } from './ConnectionList';
import { GraphNode } from './GraphNode';
import { GroupBox } from './GroupBox';
import { Legend } from './Legend';
import { NoteBox } from './NoteBox';
import { RerouteWire } from './RerouteWire';
import { SearchBox } from './SearchBox';
import { WireLine } from './WireLine';

export const NODE_DRAG_TYPE = 'application/x-kosmograph-node';
const FIT_PADDING = 0.1;

const nodeTypes: NodeTypes = { kg: GraphNode, kgGroup: GroupBox, kgNote: NoteBox };
/** Module-level (React Flow re-mounts every edge when this object changes): wires with reroute points. */
const edgeTypes: EdgeTypes = { kg: RerouteWire };

/** A graph node, a group's box (`state/group-flow.ts`) or a note (`state/notes.ts`). */
type FlowNode = Node<Record<string, never>, 'kg' | 'kgGroup' | 'kgNote'>;

const nodeCache = new Map<string, FlowNode>();
const DEFAULT_VIEWPORT = { x: 0, y: 0, zoom: 1 };
const emptyData = {} as Record<string, never>;

const idsCache = new WeakMap<GraphDocument['nodes'], string>();

/** The node ids as one string: equal (Object.is) across param edits, so they do not re-render the canvas. */
function nodeIdsKey(doc: GraphDocument): string {
  let key = idsCache.get(doc.nodes);
  if (key === undefined) {
    key = doc.nodes.map((n) => n.id).join('\n');
    idsCache.set(doc.nodes, key);
  }
  return key;
}

type LayoutNodes = NonNullable<GraphDocument['layout']>['nodes'];

function flowNodes(
  idsKey: string,
  layout: LayoutNodes | undefined,
  selected: ReadonlySet<string>,
  measured: Readonly<Record<string, { width: number; height: number }>>,
): FlowNode[] {
  const out: FlowNode[] = [];
  if (idsKey === '') return out;
  for (const id of idsKey.split('\n')) {
    const n = { id };
    const p = layout?.[n.id] ?? { x: 0, y: 0 };
    const m = measured[n.id];
    const sel = selected.has(n.id);
    const cached = nodeCache.get(n.id);
    if (
      cached &&
      cached.position.x === p.x &&
      cached.position.y === p.y &&
      cached.selected === sel &&
      cached.measured?.width === m?.width &&
      cached.measured?.height === m?.height
    ) {
      out.push(cached);
      continue;
    }
    const node: FlowNode = {
      id: n.id,
      type: 'kg',
      position: { x: p.x, y: p.y },
      data: emptyData,
      selected: sel,
      dragHandle: '.kg-node-header',
      ...(m ? { measured: m } : {}),
    };
    nodeCache.set(n.id, node);
    out.push(node);
  }
  return out;
}

const edgeCache = new WeakMap<GraphDocument['edges'][number], { selected: boolean; edge: Edge }>();

/** Wires, one object per document edge, reused while the edge and its selection stay the same. */
function flowEdges(doc: GraphDocument, selected: ReadonlySet<string>): Edge[] {
  const index = nodeIndex(doc);
  return doc.edges.map((e) => {
    const id = edgeId(e);
    const sel = selected.has(id);
    const cached = edgeCache.get(e);
    if (cached && cached.selected === sel) return cached.edge;
    const source = index.get(e.from.node);
    const spec = source ? specOf(source.type) : undefined;
    const port = spec ? outputPort(spec, e.from.port) : undefined;
    const color = port ? SOCKET_COLORS[port.type] : '#999';
    const edge: Edge = {
      id,
      type: 'kg',
      source: e.from.node,
      sourceHandle: e.from.port,
      target: e.to.node,
      targetHandle: e.to.port,
      selected: sel,
      style: { stroke: color, strokeWidth: sel ? 3 : 2 },
      ariaLabel: `connection ${id}`,
    };
    edgeCache.set(e, { selected: sel, edge });
    return edge;
  });
}

function pendingFrom(nodeId: string, handleId: string, side: 'source' | 'target'): PendingHandle | undefined {
  const node = nodeIndex(currentDoc()).get(nodeId);
  const spec = node ? specOf(node.type) : undefined;
  if (!spec) return undefined;
  const port = side === 'source' ? outputPort(spec, handleId) : targetPort(spec, handleId);
  return port ? { nodeId, port: handleId, type: port.type, side } : undefined;
}

/** Source/target of a drag, whichever end it started from. A taken input is fine: the drop replaces its wire. */
function verdictOf(c: Connection | Edge) {
  const to = { node: c.target, port: c.targetHandle ?? '' };
  return canConnect(
    withoutEdgesInto(currentDoc(), to),
    { node: c.source, port: c.sourceHandle ?? '' },
    to,
    specOf,
  );
}

/** The last pointer position over the canvas (pasted images land there). */
const pointer = { x: Number.NaN, y: Number.NaN };

export function Canvas() {
  // Narrow selections: a param edit changes none of these, so it re-renders only its node.
  const idsKey = useEditor((s) => nodeIdsKey(s.history.present));
  const layout = useEditor((s) => s.history.present.layout?.nodes);
  const docEdges = useEditor((s) => s.history.present.edges);
  const viewport = useEditor((s) => s.history.present.layout?.viewport);
  const large = useEditor((s) => s.history.present.nodes.length > 200);
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedEdges = useEditor((s) => s.selectedEdges);
  const measured = useEditor((s) => s.measured);
  const refusal = useEditor((s) => s.refusal);
  const groups = useEditor((s) => s.history.present.groups);
  const groupBoxes = useEditor((s) => s.history.present.layout?.groups);
  const notes = useEditor((s) => s.history.present.notes);
  const notePlaces = useEditor((s) => s.history.present.layout?.notes);
  const flow = useReactFlow();
  const container = useRef<HTMLDivElement>(null);

  const nodes = useMemo(
    // Group boxes first: drawn behind the nodes.
    () => [
      ...groupFlowNodes(groups, groupBoxes),
      ...hideNodes(
        flowNodes(idsKey, layout, selectedNodes, measured),
        hiddenByGroups({ groups, layout: { nodes: {}, groups: groupBoxes } }),
      ),
      ...noteFlowNodes(notes, notePlaces),
    ],
    [idsKey, layout, selectedNodes, measured, groups, groupBoxes, notes, notePlaces],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: edges change only with the document's edge list
  const edges = useMemo(() => flowEdges(currentDoc(), selectedEdges), [docEdges, idsKey, selectedEdges]);

  useEffect(() => {
    // Fit once every node has been measured (a fit on estimated sizes leaves the graph small).
    const fit = (mode: FitMode) => {
      let frames = 0;
      const attempt = () => {
        const { history, measured } = editorStore.getState();
        const ready = history.present.nodes.every((n) => measured[n.id]);
        if (!ready && frames++ < 60) {
          requestAnimationFrame(attempt);
          return;
        }
        // Readable first: all nodes when they fit at 75 %, else the main path (the minimap shows the rest).
        const box = container.current?.getBoundingClientRect();
        const view = { width: box?.width ?? 800, height: box?.height ?? 600 };
        const doc = history.present;
        const targets =
          mode === 'readable'
            ? readableFitTargets(doc, specOf, measured, view, FIT_PADDING)
            : doc.nodes.map((n) => n.id);
        const all = targets.length === doc.nodes.length;
        void flow.fitView({
          padding: FIT_PADDING,
          duration: 0,
          maxZoom: 1,
          ...(all ? {} : { nodes: targets.map((id) => ({ id })), minZoom: READABLE_ZOOM }),
        });
      };
      requestAnimationFrame(attempt);
    };
    fitRequests.listeners.add(fit);
    return () => {
      fitRequests.listeners.delete(fit);
    };
  }, [flow]);

  useEffect(() => {
    // Pasted images land under the pointer when it is over the canvas, else in the middle of the view.
    const at = () => {
      const box = container.current?.getBoundingClientRect();
      const inside =
        box &&
        pointer.x >= box.left &&
        pointer.x <= box.right &&
        pointer.y >= box.top &&
        pointer.y <= box.bottom;
      const screen = inside
        ? pointer
        : { x: (box?.left ?? 0) + (box?.width ?? 0) / 2, y: (box?.top ?? 0) + (box?.height ?? 0) / 2 };
      return flow.screenToFlowPosition(screen);
    };
    const onPaste = (e: ClipboardEvent) => {
      if (editorStore.getState().dialog) return;
      handlePaste(e, at);
    };
    // Pasted nodes land there too (in the free space nearest to it).
    setPasteAnchor(at);
    document.addEventListener('paste', onPaste);
    return () => {
      setPasteAnchor(() => undefined);
      document.removeEventListener('paste', onPaste);
    };
  }, [flow]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const positions: Record<string, XY> = {};
    const sizes: Record<string, { width: number; height: number }> = {};
    let selection: Set<string> | undefined;
    for (const c of changes) {
      const groupId = 'id' in c ? groupIdOf(c.id) : undefined;
      if (groupId !== undefined) {
        if (c.type === 'position' && c.position) dragGroup(groupId, c.position);
        continue;
      }
      const noteId = 'id' in c ? noteIdOf(c.id) : undefined;
      if (noteId !== undefined) {
        if (c.type === 'position' && c.position) dragNote(noteId, c.position);
        continue;
      }
      if (c.type === 'position' && c.position) positions[c.id] = c.position;
      else if (c.type === 'dimensions' && c.dimensions) sizes[c.id] = c.dimensions;
      else if (c.type === 'select') {
        selection ??= new Set(editorStore.getState().selectedNodes);
        if (c.selected) selection.add(c.id);
        else selection.delete(c.id);
      }
    }
    if (Object.keys(sizes).length > 0) setMeasured(sizes);
    if (Object.keys(positions).length > 0) dragNodes(positions);
    if (selection) selectNodes(selection, editorStore.getState().selectedEdges);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    let selection: Set<string> | undefined;
    for (const c of changes) {
      if (c.type === 'select') {
        selection ??= new Set(editorStore.getState().selectedEdges);
        if (c.selected) selection.add(c.id);
        else selection.delete(c.id);
      }
    }
    if (selection) selectNodes(editorStore.getState().selectedNodes, selection);
  }, []);

  const isValidConnection = useCallback((c: Connection | Edge) => verdictOf(c).ok, []);

  const onConnect = useCallback((c: Connection) => {
    connectPorts(
      { node: c.source, port: c.sourceHandle ?? '' },
      { node: c.target, port: c.targetHandle ?? '' },
    );
  }, []);

  const onConnectStart = useCallback(
    (
      _: MouseEvent | TouchEvent,
      start: { nodeId: string | null; handleId: string | null; handleType: 'source' | 'target' | null },
    ) => {
      clearRefusal();
      if (!start.nodeId || !start.handleId || !start.handleType) return;
      const pending = pendingFrom(start.nodeId, start.handleId, start.handleType);
      if (pending) startWireDrag(pending);
    },
    [],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      const wire = editorStore.getState().dragging;
      try {
        if (state.isValid) return; // onConnect made (or replaced) the wire
        const from = state.fromHandle;
        if (!from?.id) return;
        const to = state.toHandle;
        if (to?.id) {
          if (to.type === from.type) {
            // A wire picked up from an input, dropped on another input (or back): it goes there.
            if (wire?.detached && to.type === 'target') {
              connectPorts(wire.detached.from, { node: to.nodeId, port: to.id });
              return;
            }
            refuse(`cannot connect two ${from.type === 'source' ? 'outputs' : 'inputs'}`);
            return;
          }
          // Dropped on a handle that refused: say why.
          const connection =
            from.type === 'source'
              ? { source: from.nodeId, sourceHandle: from.id, target: to.nodeId, targetHandle: to.id }
              : { source: to.nodeId, sourceHandle: to.id, target: from.nodeId, targetHandle: from.id };
          const verdict = verdictOf(connection);
          if (!verdict.ok) refuse(verdict.reason);
          return;
        }
        const point = 'changedTouches' in event ? event.changedTouches[0]! : event;
        // An output's wire dropped on a param's row: the param becomes an input fed by it.
        const row =
          from.type === 'source'
            ? document.elementFromPoint(point.clientX, point.clientY)?.closest('[data-param]')
            : null;
        const rowNode = row?.closest('.react-flow__node')?.getAttribute('data-id');
        const param = row?.getAttribute('data-param');
        if (rowNode && param) {
          connectToParam({ node: from.nodeId, port: from.id }, rowNode, param);
          return;
        }
        if (state.toNode || wire?.detached) return; // on a node body, or a picked-up wire let go: removed
        const pending = pendingFrom(from.nodeId, from.id, from.type);
        if (!pending) return;
        const bounds = (event.target as Element | null)?.closest('.react-flow')?.getBoundingClientRect();
        openSearch(
          { x: point.clientX - (bounds?.left ?? 0), y: point.clientY - (bounds?.top ?? 0) },
          flow.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
          pending,
        );
      } finally {
        endWireDrag();
      }
    },
    [flow],
  );

  const onDoubleClick = useCallback(
    (e: React.MouseEvent) => {
      if (!(e.target as Element).classList.contains('react-flow__pane')) return;
      const bounds = e.currentTarget.getBoundingClientRect();
      openSearch(
        { x: e.clientX - bounds.left, y: e.clientY - bounds.top },
        flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }),
      );
    },
    [flow],
  );

  const onDragOver = useCallback((e: React.DragEvent) => {
    if (e.dataTransfer.types.includes(NODE_DRAG_TYPE) || e.dataTransfer.types.includes('Files')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const type = e.dataTransfer.getData(NODE_DRAG_TYPE);
      if (type) {
        e.preventDefault();
        addNodeAt(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
        return;
      }
      const file = e.dataTransfer.files[0];
      if (file) {
        e.preventDefault();
        const at = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        void droppedFileKind(file).then(async (kind) => {
          if (kind === 'image') await addImageNode(file, at);
          else await openGraphFile(file);
        });
      }
    },
    [flow],
  );

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the canvas takes drops and double-clicks; keyboard users have the palette
    <div
      ref={container}
      className="kg-canvas"
      onDoubleClick={onDoubleClick}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onPointerMove={(e) => {
        pointer.x = e.clientX;
        pointer.y = e.clientY;
      }}
    >
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStart={(_, node) =>
          groupIdOf(node.id) !== undefined
            ? beginGroupDrag()
            : noteIdOf(node.id) !== undefined
              ? beginNoteDrag()
              : beginDrag()
        }
        onSelectionDragStart={beginDrag}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={WireLine}
        deleteKeyCode={null}
        edgesFocusable={false}
        zoomOnDoubleClick={false}
        minZoom={0.05}
        maxZoom={4}
        colorMode="system"
        onlyRenderVisibleElements={large}
        defaultViewport={viewport ?? DEFAULT_VIEWPORT}
        proOptions={{ hideAttribution: true }}
        aria-label="Graph canvas"
      >
        <Background gap={20} />
        <MiniMap pannable zoomable ariaLabel="Minimap" />
        <Controls aria-label="Zoom controls" />
        <Panel position="top-left" className="kg-legend-panel">
          <Legend />
        </Panel>
        {refusal && (
          <Panel key={refusal.id} position="top-center" className="kg-refusal" role="alert">
            Connection refused: {refusal.reason}
          </Panel>
        )}
      </ReactFlow>
      <ConnectionList />
      <SearchBox />
    </div>
  );
}
