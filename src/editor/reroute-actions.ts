import { commitDoc } from './actions';
import type { XY } from './state/graph-ops';
import { addReroute, moveReroute, removeReroute } from './state/reroutes';
import { currentDoc } from './store';

/** Reroute points on wires (see state/reroutes.ts); each add and remove is one undo step, a drag too. */

export function addReroutePoint(key: string, ends: { source: XY; target: XY }, at: XY): number {
  const result = addReroute(currentDoc(), key, ends, { x: Math.round(at.x), y: Math.round(at.y) });
  commitDoc(result.doc);
  return result.index;
}

let rerouteGesture = 0;
/** A drag (or a run of arrow-key presses on one point) starts: its moves are one undo step. */
export function beginRerouteDrag(): void {
  rerouteGesture += 1;
}

export function moveReroutePoint(key: string, index: number, to: XY): void {
  commitDoc(moveReroute(currentDoc(), key, index, { x: Math.round(to.x), y: Math.round(to.y) }), {
    key: `reroute:${rerouteGesture}`,
    gesture: true,
  });
}

export function removeReroutePoint(key: string, index: number): void {
  commitDoc(removeReroute(currentDoc(), key, index));
}
