import { EdgeLabelRenderer, type EdgeProps, getBezierPath, Position, useReactFlow } from '@xyflow/react';
import { memo, useRef } from 'react';
import { addReroutePoint, beginRerouteDrag, moveReroutePoint, removeReroutePoint } from '../reroute-actions';
import type { XY } from '../state/graph-ops';
import { reroutePoints } from '../state/reroutes';
import { useEditor } from '../store';

/** How far one arrow-key press moves a focused reroute point (Shift: ten times as far). */
const KEY_STEP = 10;

/**
 * The wire source -> points -> target: one bezier leg per pair, each leaving to the right and
 * arriving from the left, as ComfyUI draws its rerouted links.
 */
export function reroutedPath(source: XY, points: readonly XY[], target: XY): string {
  const stops = [source, ...points, target];
  const legs: string[] = [];
  for (let i = 0; i + 1 < stops.length; i++) {
    const [leg] = getBezierPath({
      sourceX: stops[i]!.x,
      sourceY: stops[i]!.y,
      sourcePosition: Position.Right,
      targetX: stops[i + 1]!.x,
      targetY: stops[i + 1]!.y,
      targetPosition: Position.Left,
    });
    legs.push(leg);
  }
  return legs.join(' ');
}

/**
 * A wire drawn through its reroute points (a custom React Flow edge). Double-click or Alt+click the
 * wire: a point there. A point: drag it, arrow keys move it, double-click or Delete removes it.
 */
export const RerouteWire = memo(function RerouteWire(props: EdgeProps) {
  const { id, sourceX, sourceY, targetX, targetY, style, selected, interactionWidth } = props;
  const points = useEditor((s) => reroutePoints(s.history.present, id));
  const flow = useReactFlow();
  const dragging = useRef<number | undefined>(undefined);
  const source = { x: sourceX, y: sourceY };
  const target = { x: targetX, y: targetY };
  const path = reroutedPath(source, points, target);
  const addAt = (e: React.MouseEvent) => {
    e.stopPropagation();
    addReroutePoint(id, { source, target }, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };
  return (
    <>
      <path
        d={path}
        fill="none"
        className="react-flow__edge-path"
        style={style}
        data-reroutes={points.length}
      />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: wires are not tab stops (the connection list is); a point, once added, is a focusable button */}
      <path
        d={path}
        fill="none"
        strokeOpacity={0}
        strokeWidth={interactionWidth ?? 20}
        className="react-flow__edge-interaction kg-wire-hit"
        data-wire={id}
        onDoubleClick={addAt}
        onClick={(e) => {
          if (e.altKey) addAt(e);
        }}
      />
      {points.length > 0 && (
        <EdgeLabelRenderer>
          {points.map((p, index) => (
            <button
              // biome-ignore lint/suspicious/noArrayIndexKey: a point is its place on the wire
              key={index}
              type="button"
              className={`kg-reroute nodrag nopan${selected ? ' kg-reroute-selected' : ''}`}
              style={{
                transform: `translate(-50%, -50%) translate(${p.x}px, ${p.y}px)`,
                borderColor: typeof style?.stroke === 'string' ? style.stroke : undefined,
              }}
              data-wire={id}
              data-index={index}
              aria-label={`reroute point ${index + 1} of ${points.length} on ${id}`}
              title="Reroute point: drag or arrow keys to move; double-click or Delete to remove"
              onPointerDown={(e) => {
                if (e.button !== 0) return;
                e.stopPropagation();
                e.currentTarget.setPointerCapture(e.pointerId);
                dragging.current = index;
                beginRerouteDrag();
              }}
              onPointerMove={(e) => {
                if (dragging.current !== index) return;
                moveReroutePoint(id, index, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
              }}
              onPointerUp={(e) => {
                if (dragging.current !== index) return;
                dragging.current = undefined;
                e.currentTarget.releasePointerCapture(e.pointerId);
              }}
              onDoubleClick={(e) => {
                e.stopPropagation();
                removeReroutePoint(id, index);
              }}
              onKeyDown={(e) => {
                const step = e.shiftKey ? KEY_STEP * 10 : KEY_STEP;
                const moves: Record<string, XY> = {
                  ArrowLeft: { x: -step, y: 0 },
                  ArrowRight: { x: step, y: 0 },
                  ArrowUp: { x: 0, y: -step },
                  ArrowDown: { x: 0, y: step },
                };
                const move = moves[e.key];
                if (move) {
                  if (!e.repeat) beginRerouteDrag();
                  moveReroutePoint(id, index, { x: p.x + move.x, y: p.y + move.y });
                } else if (e.key === 'Delete' || e.key === 'Backspace') {
                  removeReroutePoint(id, index);
                } else return;
                e.preventDefault();
                e.stopPropagation();
              }}
            />
          ))}
        </EdgeLabelRenderer>
      )}
    </>
  );
});
