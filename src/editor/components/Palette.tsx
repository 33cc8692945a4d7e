import { useReactFlow } from '@xyflow/react';
import { useMemo, useState } from 'react';
import { addNodeAt } from '../actions';
import { NODE_SPECS } from '../registry';
import { groupByCategory, searchNodes } from '../state/compatible';
import { NODE_WIDTH } from '../state/layout';
import { NODE_DRAG_TYPE } from './Canvas';

/** The searchable node palette: click to add at the centre of the view, or drag onto the canvas. */
export function Palette() {
  const [query, setQuery] = useState('');
  const flow = useReactFlow();
  const groups = useMemo(() => groupByCategory(searchNodes(NODE_SPECS, query).map((o) => o.spec)), [query]);

  const addAtCentre = (type: string) => {
    const pane = document.querySelector('.kg-canvas')?.getBoundingClientRect();
    const centre = pane
      ? flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 })
      : { x: 0, y: 0 };
    // At the centre, or the free spot nearest to it (addNodeAt never covers another node).
    addNodeAt(type, { x: Math.round(centre.x - NODE_WIDTH / 2), y: Math.round(centre.y - 60) });
  };

  return (
    <aside className="kg-palette" aria-label="Node palette">
      <input
        type="search"
        placeholder="Search nodes…"
        aria-label="Search the palette"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {groups.map(([category, specs]) => (
        <section key={category}>
          <h3>{category}</h3>
          <ul>
            {specs.map((spec) => (
              <li key={spec.type}>
                <button
                  type="button"
                  draggable
                  title={spec.description}
                  aria-label={`Add ${spec.title}`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(NODE_DRAG_TYPE, spec.type);
                    e.dataTransfer.effectAllowed = 'copy';
                  }}
                  onClick={() => addAtCentre(spec.type)}
                >
                  {spec.title}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {groups.length === 0 && <p className="kg-muted">No matching nodes</p>}
    </aside>
  );
}
