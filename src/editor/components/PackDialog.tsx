import { useState } from 'react';
import type { PackInfo, PackLoadProgress } from '../../engine/engine-api';
import { openDialog } from '../actions';
import { approveTypedOrigin } from '../origin-consent';
import { applySource, loadPackFolder, loadPackSource } from '../packs';
import { useEditor } from '../store';
import { backendLabel } from './BackendStatus';
import { EngineChoice } from './EngineChoice';
import { useModalDialog } from './use-modal-dialog';

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;

function progressText(p: PackLoadProgress): string {
  const bytes =
    p.bytesDone !== undefined
      ? ` (${megabytes(p.bytesDone)}${p.bytesTotal !== undefined ? ` of ${megabytes(p.bytesTotal)}` : ''})`
      : '';
  return `sha256 checked ${p.done}/${p.total}: ${p.file}${bytes}${p.remembered ? ' (remembered)' : ''}`;
}

/** What the engine found in a source: its layout and its components. */
function Recognised({ info }: { info: PackInfo }) {
  const extras =
    info.kind === 'kosmograph-pack'
      ? ` · LoRAs: ${info.loras.join(', ') || 'none'} · ControlNets: ${info.controlnets.join(', ') || 'none'}`
      : '';
  return (
    <p className="kg-muted" data-testid="recognised">
      Recognised: {info.layout}. Components: {info.components.join(', ') || 'none'}
      {extras}
    </p>
  );
}

/**
 * The model picker: opens a model source (a URL or a picked folder; a kosmograph pack or a
 * Stable Diffusion ONNX checkpoint), says what it recognised or, for a folder it does not know,
 * what it expected, and points the graph's nodes at it.
 */
export function PackDialog() {
  const pack = useEditor((s) => s.pack);
  const engineStatus = useEditor((s) => s.engine);
  const engineError = useEditor((s) => s.engineError);
  const [url, setUrl] = useState('');
  const { ref } = useModalDialog('pack');
  const others = (pack.opened ?? []).filter((o) => o.source !== pack.info?.source);
  return (
    <dialog ref={ref} className="kg-dialog" aria-label="Models" onClose={() => openDialog(undefined)}>
      <h2>Models</h2>
      <p>
        Active: <strong>{pack.info?.name ?? pack.source}</strong>
        {pack.info && (
          <span className="kg-muted">
            {' '}
            ({pack.info.source}, id {pack.info.id.slice(0, 12)}…)
          </span>
        )}
      </p>
      {pack.info && <Recognised info={pack.info} />}
      {pack.applied && <p className="kg-muted">{pack.applied}</p>}
      {pack.progress && (
        <div>
          <progress max={pack.progress.total} value={pack.progress.done} aria-label="sha256 check progress" />{' '}
          <span role="status">{progressText(pack.progress)}</span>
        </div>
      )}
      {pack.error && (
        <p className="kg-issue" role="alert">
          {pack.error}
        </p>
      )}
      {others.length > 0 && (
        <div>
          <p>Also open in this session:</p>
          <ul aria-label="Open model sources">
            {others.map((o) => (
              <li key={o.source}>
                <code>{o.source}</code> <span className="kg-muted">{o.layout}</span>{' '}
                <button type="button" onClick={() => applySource(o)}>
                  Use
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {engineStatus && (
        <p className="kg-muted">
          Backend: {backendLabel(engineStatus)} · {engineStatus.loadedSessions} sessions loaded
        </p>
      )}
      {engineError && <p className="kg-issue">{engineError}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const typed = url.trim();
          if (!typed) return;
          // A URL the user typed here is theirs: its origin needs no second question at Run.
          approveTypedOrigin(typed);
          void loadPackSource(typed);
        }}
      >
        <label className="kg-field">
          Model URL (a folder with manifest.json, or a Stable Diffusion ONNX export with model_index.json)
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://…/sd15-onnx/"
          />
        </label>
        <button type="submit" disabled={pack.loading}>
          Open URL
        </button>{' '}
        <button type="button" disabled={pack.loading} onClick={() => void loadPackSource('reference')}>
          Use the reference pack
        </button>
      </form>
      <label className="kg-field">
        Or open a model folder: a kosmograph pack (manifest.json) or a Stable Diffusion ONNX export
        (model_index.json, diffusers' or optimum's layout)
        <input
          type="file"
          aria-label="Open a model folder"
          disabled={pack.loading}
          // webkitdirectory is not in React's input attributes: set it on the element.
          ref={(input) => input?.setAttribute('webkitdirectory', '')}
          onChange={(e) => {
            if (e.target.files && e.target.files.length > 0) void loadPackFolder(e.target.files);
            e.target.value = '';
          }}
        />
      </label>
      <p className="kg-muted">
        Opening checks every file's sha256 in the engine worker (remembered, so opening it again is quick). A
        pack goes to this graph's Model Pack nodes, a checkpoint to its Load Checkpoint nodes (only the
        selected ones when some are selected), in one undo step; any node can also name it by its source:{' '}
        <code>folder:&lt;name&gt;</code> or the URL. A picked folder must be picked again after a reload.
      </p>
      <EngineChoice />
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
