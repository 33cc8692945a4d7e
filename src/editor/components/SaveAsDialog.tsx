import { useEffect, useState } from 'react';
import { openDialog, renameGraph } from '../actions';
import { exportGraph, graphFileName } from '../files';
import { currentDoc, useEditor } from '../store';
import { useModalDialog } from './use-modal-dialog';

/** Save As: name the graph (its tab and file name) and download it as `<name>.json`. */
export function SaveAsDialog() {
  const { ref, open } = useModalDialog('save-as');
  const name = useEditor((s) => s.history.present.meta?.name);
  const [draft, setDraft] = useState('');
  useEffect(() => {
    if (open) setDraft(name ?? '');
  }, [open, name]);
  const fileName = graphFileName({ ...currentDoc(), meta: { name: draft } });
  return (
    <dialog ref={ref} className="kg-dialog" aria-label="Save As" onClose={() => openDialog(undefined)}>
      <h2>Save As</h2>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          renameGraph(draft);
          exportGraph(currentDoc());
          openDialog(undefined);
        }}
      >
        <label className="kg-field">
          Graph name
          <input type="text" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="graph" />
        </label>
        <p className="kg-muted">Downloads {fileName}</p>
        <button type="submit">Save</button>{' '}
        <button type="button" onClick={() => openDialog(undefined)}>
          Cancel
        </button>
      </form>
    </dialog>
  );
}
