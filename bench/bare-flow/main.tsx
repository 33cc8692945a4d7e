/**
 * The editor benchmark's baseline (bench/editor.ts): React Flow with nothing of kosmograph, the
 * same 1,000 nodes and edges, the same viewport and the same React Flow options the editor uses
 * on a large graph (only visible elements rendered, background, minimap, controls), and one
 * number field beside the canvas whose edits change one node's data, as the editor's inspector
 * does. `window.bareFlow.open(graphJson, viewport)` renders it.
 */
import {
  Background,
  Controls,
  type Edge,
  MiniMap,
  type Node,
  ReactFlow,
  useEdgesState,
  useNodesState,
  type Viewport,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';

interface BenchGraph {
  readonly nodes: readonly { readonly id: string; readonly type: string }[];
  readonly edges: readonly {
    readonly from: { readonly node: string; readonly port: string };
    readonly to: { readonly node: string; readonly port: string };
  }[];
  readonly layout: { readonly nodes: Readonly<Record<string, { x: number; y: number }>> };
}

function Flow(props: { nodes: Node[]; edges: Edge[]; viewport: Viewport; edited: string }) {
  const [nodes, setNodes, onNodesChange] = useNodesState(props.nodes);
  const [edges, , onEdgesChange] = useEdgesState(props.edges);
  const [value, setValue] = useState('0');
  return (
    <div style={{ display: 'flex', height: '100%' }}>
      <div style={{ flex: 1 }}>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onlyRenderVisibleElements
          minZoom={0.05}
          maxZoom={4}
          defaultViewport={props.viewport}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={20} />
          <MiniMap pannable zoomable />
          <Controls />
        </ReactFlow>
      </div>
      <aside className="bare-inspector" style={{ width: 240, padding: 8 }}>
        <input
          type="number"
          value={value}
          onChange={(e) => {
            const next = e.target.value;
            setValue(next);
            setNodes((all) =>
              all.map((n) => (n.id === props.edited ? { ...n, data: { label: `${n.id}: ${next}` } } : n)),
            );
          }}
        />
      </aside>
    </div>
  );
}

/** What bench/editor.ts calls (a property of window, not a global type: the app never sees it). */
interface BareFlow {
  open(graphJson: string, viewport: Viewport, edited: string): void;
}

const bareFlow: BareFlow = {
  open(graphJson, viewport, edited) {
    const graph = JSON.parse(graphJson) as BenchGraph;
    const nodes: Node[] = graph.nodes.map((n) => ({
      id: n.id,
      position: graph.layout.nodes[n.id] ?? { x: 0, y: 0 },
      data: { label: `${n.id}: ${n.type}` },
    }));
    const edges: Edge[] = graph.edges.map((e) => ({
      id: `${e.from.node}.${e.from.port}->${e.to.node}.${e.to.port}`,
      source: e.from.node,
      target: e.to.node,
    }));
    createRoot(document.getElementById('root')!).render(
      <Flow nodes={nodes} edges={edges} viewport={viewport} edited={edited} />,
    );
  },
};

(window as unknown as { bareFlow: BareFlow }).bareFlow = bareFlow;
