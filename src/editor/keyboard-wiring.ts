import { connectPorts, endWireDrag } from './actions';
import type { PendingHandle } from './state/compatible';
import { editorStore } from './store';

/**
 * Wiring without a mouse: Enter (or Space) on a focused handle picks it up
 * (compatible handles light up as during a drag), Enter on a handle of the
 * other side connects the two (replacing a taken input's wire, as a drop
 * does), Enter on the same handle again or Escape puts it down. The picked
 * handle is the store's `dragging` wire, so the canvas shows it as a drag.
 */
export function pressHandle(handle: PendingHandle): void {
  const wire = editorStore.getState().dragging;
  if (!wire) {
    editorStore.setState({ dragging: handle });
    return;
  }
  if (wire.side === handle.side) {
    const same = wire.nodeId === handle.nodeId && wire.port === handle.port;
    if (same) endWireDrag();
    else editorStore.setState({ dragging: handle });
    return;
  }
  const [from, to] = wire.side === 'source' ? [wire, handle] : [handle, wire];
  connectPorts({ node: from.nodeId, port: from.port }, { node: to.nodeId, port: to.port });
  endWireDrag();
}

/** Whether `handle` is the one picked up from the keyboard (or dragged). */
export function isPicked(
  wire: PendingHandle | undefined,
  nodeId: string,
  port: string,
  side: 'source' | 'target',
): boolean {
  return wire !== undefined && wire.nodeId === nodeId && wire.port === port && wire.side === side;
}
