import { useRef } from 'react';
import { layoutGraph, newGraph, openDialog, redo, requestFitView, undo } from '../actions';
import { EXAMPLES } from '../examples';
import { exportGraph, openGraphFile, openGraphUrl } from '../files';
import { queueRun } from '../run-controller';
import { copyShareLink } from '../share';
import { currentDoc, useEditor } from '../store';

export function Toolbar() {
  const canUndo = useEditor((s) => s.history.past.length > 0);
  const canRedo = useEditor((s) => s.history.future.length > 0);
  const pending = useEditor(
    (s) => s.run.jobs.filter((j) => j.phase === 'queued' || j.phase === 'running').length,
  );
  const packName = useEditor((s) => s.pack.info?.name ?? s.pack.source);
  const packLoading = useEditor((s) => s.pack.loading);
  const name = useEditor((s) => s.history.present.meta?.name);
  const fileRef = useRef<HTMLInputElement>(null);
  const examplesRef = useRef<HTMLDetailsElement>(null);

  return (
    <header className="kg-toolbar">
      <h1 className="kg-logo">kosmograph</h1>
      <span className="kg-graph-name" title={name}>
        {name ?? 'Untitled graph'}
      </span>
      <button type="button" className="kg-run" onClick={() => queueRun()} title="Run (Ctrl+Enter)">
        Run
      </button>
      {pending > 0 && (
        <span className="kg-pending" role="status" aria-label={`${pending} run(s) queued or running`}>
          {pending}
        </span>
      )}
      <button
        type="button"
        onClick={newGraph}
        title="Start from an empty canvas (undo brings the old graph back)"
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
                  if (examplesRef.current) examplesRef.current.open = false;
                  void openGraphUrl(ex.url, `${ex.id}.json`, { arrange: true });
                }}
              >
                {ex.title}
              </button>
            </li>
          ))}
        </ul>
      </details>
      <button type="button" onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z or Ctrl+Y)">
        Redo
      </button>
      <button type="button" onClick={layoutGraph} title="Arrange the graph left to right (Shift+L)">
        Auto layout
      </button>
      <button type="button" onClick={requestFitView} title="Fit the graph in view (Shift+F)">
        Fit view
      </button>
      <button
        type="button"
        onClick={() => fileRef.current?.click()}
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
      <button type="button" onClick={() => void copyShareLink()} title="Copy a link that opens this graph">
        Copy share link
      </button>
      <button
        type="button"
        onClick={() => openDialog('pack')}
        title="Models: open a pack or a Stable Diffusion checkpoint"
        aria-label={`Models: ${packName}`}
      >
        Models: {packName}
        {packLoading ? '…' : ''}
      </button>
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
