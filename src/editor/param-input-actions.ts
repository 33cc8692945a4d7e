import type { PortRef } from '../core/document';
import { clearRefusal, commitDoc, refuse } from './actions';
import { specOf } from './registry';
import { connectReplacing } from './state/graph-ops';
import { showParamAsInput, showParamAsWidget } from './state/param-inputs';
import { currentDoc } from './store';

/** "Convert to input": the param gets an input socket (one undo step). */
export function convertParamToInput(nodeId: string, param: string): void {
  commitDoc(showParamAsInput(currentDoc(), nodeId, param, specOf));
}

/** "Convert to widget": the socket and its wire go; the stored value is used again (one undo step). */
export function convertParamToWidget(nodeId: string, param: string): void {
  commitDoc(showParamAsWidget(currentDoc(), nodeId, param));
}

/**
 * A wire dropped on a param's row (no socket there yet): the param is shown as an input and the
 * wire connects to it, as one undo step; refused (with its reason) when the types do not fit.
 */
export function connectToParam(from: PortRef, nodeId: string, param: string): boolean {
  const shown = showParamAsInput(currentDoc(), nodeId, param, specOf);
  const result = connectReplacing(shown, from, { node: nodeId, port: param }, specOf);
  if (!result.ok) {
    refuse(result.reason);
    return false;
  }
  clearRefusal();
  commitDoc(result.doc);
  return true;
}
