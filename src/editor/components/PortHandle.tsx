import { Handle, Position } from '@xyflow/react';
import type { PortSpec } from '../../core/node-spec';
import { SOCKET_COLORS, socketAccepts } from '../../core/socket-types';
import { socketShapeStyle } from '../a11y/socket-style';
import { isPicked, pressHandle } from '../keyboard-wiring';
import { type DraggedWire, useEditor } from '../store';

/**
 * How a handle looks while a wire is dragged: `fits` where the wire could be
 * dropped (a taken input counts: the drop replaces its wire), `dim` elsewhere.
 */
export function handleFit(
  wire: DraggedWire | undefined,
  nodeId: string,
  port: PortSpec,
  side: 'in' | 'out',
): 'fits' | 'dim' | undefined {
  if (!wire) return undefined;
  if (wire.nodeId === nodeId && wire.port === port.name) return undefined;
  // A wire picked up from an input can go to another input (moved) or to an output (reconnected).
  const toInput = wire.side === 'source' || wire.detached !== undefined;
  const toOutput = wire.side === 'target';
  const sameNode = wire.nodeId === nodeId;
  if (side === 'in' && toInput) {
    if (sameNode && wire.side === 'source') return 'dim';
    return socketAccepts(port.type, wire.type) ? 'fits' : 'dim';
  }
  if (side === 'out' && toOutput) return !sameNode && socketAccepts(wire.type, port.type) ? 'fits' : 'dim';
  return 'dim';
}

/**
 * A port's handle: shaped and coloured by its socket type, lit or dimmed while a wire is dragged,
 * focusable (Enter picks it up, Enter on one of the other side connects: keyboard-wiring.ts).
 * Ports and params shown as inputs (`param`: its aria name says so) use the same handle.
 */
export function PortHandle({
  nodeId,
  port,
  side,
  issue,
  param,
}: {
  nodeId: string;
  port: PortSpec;
  side: 'in' | 'out';
  issue?: string | undefined;
  param?: boolean;
}) {
  const wire = useEditor((s) => s.dragging);
  const fit = handleFit(wire, nodeId, port, side);
  const color = SOCKET_COLORS[port.type];
  const handleSide = side === 'in' ? 'target' : 'source';
  const picked = isPicked(wire, nodeId, port.name, handleSide);
  const name = port.label ?? port.name;
  return (
    <Handle
      type={handleSide}
      position={side === 'in' ? Position.Left : Position.Right}
      id={port.name}
      className={`kg-handle${fit ? ` kg-handle-${fit}` : ''}${picked ? ' kg-handle-picked' : ''}${param ? ' kg-param-handle' : ''}`}
      style={{ ...socketShapeStyle(port.type), borderColor: issue ? 'var(--kg-error)' : color }}
      data-socket={port.type}
      role="button"
      tabIndex={0}
      aria-pressed={picked}
      aria-label={`${side === 'in' ? (param ? 'param input' : 'input') : 'output'} ${name} (${port.type})`}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        e.stopPropagation();
        pressHandle({ nodeId, port: port.name, type: port.type, side: handleSide });
      }}
    />
  );
}
