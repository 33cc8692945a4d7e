import { type ConnectionLineComponentProps, getBezierPath, Position, useInternalNode } from '@xyflow/react';
import { SOCKET_COLORS } from '../../core/socket-types';
import { useEditor } from '../store';

/**
 * The wire being dragged, in its socket type's colour. A wire picked up from
 * a connected input is drawn from the output it still hangs on (ComfyUI),
 * not from the input it left.
 */
export function WireLine(props: ConnectionLineComponentProps) {
  const wire = useEditor((s) => s.dragging);
  const detached = wire?.detached;
  const source = useInternalNode(detached?.from.node ?? '');
  let fromX = props.fromX;
  let fromY = props.fromY;
  let fromPosition = props.fromPosition;
  if (detached && source) {
    const bounds = source.internals.handleBounds?.source?.find((h) => h.id === detached.from.port);
    if (bounds) {
      fromX = source.internals.positionAbsolute.x + bounds.x + bounds.width / 2;
      fromY = source.internals.positionAbsolute.y + bounds.y + bounds.height / 2;
      fromPosition = Position.Right;
    }
  }
  const [path] = getBezierPath({
    sourceX: fromX,
    sourceY: fromY,
    sourcePosition: fromPosition,
    targetX: props.toX,
    targetY: props.toY,
    targetPosition: props.toPosition,
  });
  const color = wire ? SOCKET_COLORS[wire.type] : undefined;
  return (
    <path
      d={path}
      fill="none"
      className="react-flow__connection-path kg-wire-line"
      data-from={detached ? `${detached.from.node}.${detached.from.port}` : undefined}
      style={{ ...props.connectionLineStyle, ...(color ? { stroke: color } : {}), strokeWidth: 2 }}
    />
  );
}
