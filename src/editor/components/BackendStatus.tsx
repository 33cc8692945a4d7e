import type { EngineStatus } from '../../engine/engine-api';
import { useEditor } from '../store';

/**
 * The backend in words, with the reason when it is not the one preferred:
 * `wasm — WebGPU adapter is a software fallback (SwiftShader)`.
 */
export function backendLabel(status: Pick<EngineStatus, 'backend' | 'fallbackReason'>): string {
  return status.fallbackReason ? `${status.backend} — ${status.fallbackReason}` : status.backend;
}

/** Why a user might want the other backend anyway, for the tooltip. */
function hint(status: Pick<EngineStatus, 'backend' | 'fallbackReason'>): string {
  if (status.backend === 'wasm' && status.fallbackReason?.includes('software fallback')) {
    return ' (wasm is about 10x faster there; open the editor with ?backend=webgpu to use WebGPU anyway)';
  }
  return '';
}

/**
 * The engine's backend in the toolbar: what runs the models and why (shrinks with an ellipsis
 * when the toolbar is narrow; the whole text is in the tooltip and the Models dialog).
 */
export function BackendStatus() {
  const status = useEditor((s) => s.engine);
  if (!status) return null;
  const label = backendLabel(status);
  return (
    <span
      className="kg-muted"
      role="status"
      data-testid="backend-status"
      aria-label={`Backend: ${label}`}
      title={`Backend: ${label}${hint(status)}`}
      style={{ flexShrink: 1, minWidth: 40, maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis' }}
    >
      {label}
    </span>
  );
}
