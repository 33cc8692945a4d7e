import { useRef, useState } from 'react';
import { layoutGraph, newGraph, openDialog, redo, requestFitView, startRename, undo } from '../actions';
import { MAX_BATCH, queueBatch } from '../batch';
import { EXAMPLES } from '../examples';
import { chooseGraphFile, exportGraph, openGraphFile, openGraphUrl } from '../files';
import { copyShareLink } from '../share';
import { currentDoc, useEditor } from '../store';
import { BackendStatus } from './BackendStatus';

/** Closes the `<details>` menu a choice was made in. */
function closeMenu(ref: React.RefObject<HTMLDetailsElement | null>): void {
  if (ref.current) ref.current.open = false;
}

/**
 * One row at every width from 1000 px: the everyday commands, and the rest in
 * the "More" menu (overflow). The graph's name lives on its tab.
 */
export function Toolbar() {
  const canUndo = useEditor((s) => s.history.past.length > 0);
  const canRedo = useEditor((s) => s.history.future.length > 0);
  const pending = useEditor(
    (s) => s.run.jobs.filter((j) => j.phase === 'queued' || j.phase === 'running').length,
  );
  const packName = useEditor((s) => s.pack.info?.name ?? s.pack.source);
  const packLoading = useEditor((s) => s.pack.loading);
  const fileRef = useRef<HTMLInputElement>(null);
  const examplesRef = useRef<HTMLDetailsElement>(null);
  const moreRef = useRef<HTMLDetailsElement>(null);
  const [batch, setBatch] = useState(1);
  const more = (action: () => void) => () => {
    closeMenu(moreRef);
    action();
  };

  return (
    <header className="kg-toolbar">
      <h1 className="kg-logo">kosmograph</h1>
      <button
        type="button"
        className="kg-run"
        onClick={() => queueBatch(batch)}
        title={batch > 1 ? `Queue ${batch} runs, the seed one higher for each` : 'Run (Ctrl+Enter)'}
      >
        Run
      </button>
      <input
        type="number"
        className="kg-batch"
        min={1}
        max={MAX_BATCH}
        value={batch}
        aria-label="Batch count"
        title="Batch count: how many runs Run queues (the seed one higher for each)"
        onChange={(e) => setBatch(Math.max(1, Math.min(MAX_BATCH, Math.floor(Number(e.target.value)) || 1)))}
      />
      {pending > 0 && (
        <span className="kg-pending" role="status" aria-label={`${pending} run(s) queued or running`}>
          {pending}
        </span>
      )}
      <button
        type="button"
        onClick={newGraph}
        title="Start from an empty canvas in this tab (undo brings the old graph back)"
      >
        New
      </button>
      <details className="kg-menu" ref={examplesRef}>
        <summary>Examples</summary>
        <ul aria-label="Examples">
          {EXAMPLES.map((ex) => (
            <li key={ex.id}>
              <button
                type="button"
                title={ex.description}
                onClick={() => {
                  closeMenu(examplesRef);
                  void openGraphUrl(ex.url, `${ex.id}.json`, { arrange: true });
                }}
              >
                {ex.title}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <button
        type="button"
        onClick={chooseGraphFile}
        title="Open a graph JSON, a kosmograph PNG or a ComfyUI file (Ctrl+O)"
      >
        Import
      </button>
      <input
        ref={fileRef}
        type="file"
        hidden
        accept=".json,application/json,image/png"
        aria-label="Import a graph file"
        data-testid="import-file"
        onChange={async (e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) await openGraphFile(file);
        }}
      />
      <button type="button" onClick={() => exportGraph(currentDoc())} title="Save the graph as JSON (Ctrl+S)">
        Export
      </button>
      <button type="button" onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z or Ctrl+Y)">
        Redo
      </button>
      <button
        type="button"
        className="kg-models"
        onClick={() => openDialog('pack')}
        title={`Models: ${packName} (open a pack or a Stable Diffusion checkpoint)`}
        aria-label={`Models: ${packName}`}
      >
        Models: {packName}
        {packLoading ? '…' : ''}
      </button>
      <button
        type="button"
        onClick={() => openDialog('gallery')}
        title="Every run's outputs, kept across reloads"
      >
        Gallery
      </button>
      <BackendStatus />
      <details className="kg-menu kg-menu-end" ref={moreRef}>
        <summary>More</summary>
        <ul aria-label="More commands">
          <li>
            <button type="button" onClick={more(() => openDialog('save-as'))} title="Ctrl+Shift+S">
              Save As…
            </button>
          </li>
          <li>
            <button type="button" onClick={more(startRename)}>
              Rename graph…
            </button>
          </li>
          <li>
            <button type="button" onClick={more(layoutGraph)} title="Shift+L">
              Auto layout
            </button>
          </li>
          <li>
            <button type="button" onClick={more(() => requestFitView('all'))} title="Shift+F">
              Fit view
            </button>
          </li>
          <li>
            <button type="button" onClick={more(() => void copyShareLink())}>
              Copy share link
            </button>
          </li>
        </ul>
      </details>
      <button
        type="button"
        onClick={() => openDialog('help')}
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
      >
        ?
      </button>
    </header>
  );
}
