import { useState } from 'react';
import { openDialog } from '../actions';
import { loadPackFolder, loadPackSource } from '../packs';
import { useEditor } from '../store';
import { useModalDialog } from './use-modal-dialog';

export function PackDialog() {
  const pack = useEditor((s) => s.pack);
  const engineStatus = useEditor((s) => s.engine);
  const engineError = useEditor((s) => s.engineError);
  const [url, setUrl] = useState('');
  const { ref } = useModalDialog('pack');
  return (
    <dialog ref={ref} className="kg-dialog" aria-label="Model pack" onClose={() => openDialog(undefined)}>
      <h2>Model pack</h2>
      <p>
        Active: <strong>{pack.info?.name ?? pack.source}</strong>
        {pack.info && (
          <span className="kg-muted">
            {' '}
            ({pack.source}, manifest {pack.info.id.slice(0, 12)}…)
          </span>
        )}
      </p>
      {pack.info && (
        <p className="kg-muted">
          LoRAs: {pack.info.loras.join(', ') || 'none'} · ControlNets:{' '}
          {pack.info.controlnets.join(', ') || 'none'}
        </p>
      )}
      {pack.progress && (
        <div>
          <progress max={pack.progress.total} value={pack.progress.done} aria-label="sha256 check progress" />{' '}
          <span role="status">
            sha256 checked {pack.progress.done}/{pack.progress.total}: {pack.progress.file}
          </span>
        </div>
      )}
      {pack.error && (
        <p className="kg-issue" role="alert">
          {pack.error}
        </p>
      )}
      {engineStatus && (
        <p className="kg-muted">
          Backend: {engineStatus.backend}
          {engineStatus.fallbackReason ? ` (${engineStatus.fallbackReason})` : ''} ·{' '}
          {engineStatus.loadedSessions} sessions loaded
        </p>
      )}
      {engineError && <p className="kg-issue">{engineError}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (url.trim()) void loadPackSource(url.trim());
        }}
      >
        <label className="kg-field">
          Pack URL (a folder with manifest.json)
          <input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://…/my-pack/"
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
        Or open a pack folder (with manifest.json)
        <input
          type="file"
          aria-label="Open a pack folder"
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
        Opening a pack checks every file's sha256 and points this graph's Model Pack nodes at it (one undo
        step).
      </p>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
