import { selectNodes } from '../actions';
import { edgeId } from '../state/graph-ops';
import { useEditor } from '../store';

/**
 * The wires for keyboard users, after the nodes in Tab order (React Flow puts
 * its edges before the nodes in the page, so they are not tabbable there):
 * a list that shows while it has focus; focusing a connection selects it,
 * Delete removes it.
 */
export function ConnectionList() {
  const edges = useEditor((s) => s.history.present.edges);
  const selected = useEditor((s) => s.selectedEdges);
  if (edges.length === 0) return null;
  return (
    <nav className="kg-connections" aria-label="Connections">
      <ul>
        {edges.map((e) => {
          const id = edgeId(e);
          return (
            <li key={id}>
              <button
                type="button"
                aria-pressed={selected.has(id)}
                onFocus={() => selectNodes([], [id])}
                title="Delete removes this connection"
              >
                {e.from.node}.{e.from.port} → {e.to.node}.{e.to.port}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
