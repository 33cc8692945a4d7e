import { useEffect } from 'react';
import { openDialog } from '../actions';
import type { GalleryEntry } from '../gallery/gallery-entry';
import { GALLERY_LIMIT } from '../gallery/gallery-index';
import { clearGallery, deleteRun, loadGallery, openRunGraph, useGallery } from '../gallery/gallery-state';
import { useModalDialog } from './use-modal-dialog';

const timeText = (at: number) =>
  new Date(at).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });

function seedText(seeds: Readonly<Record<string, number>>): string {
  const values = Object.values(seeds);
  if (values.length === 0) return 'no seed';
  if (values.length === 1) return `seed ${values[0]}`;
  return Object.entries(seeds)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function GalleryItem({ entry }: { entry: GalleryEntry }) {
  const name = `${entry.label} of ${entry.graphName}`;
  return (
    <li className="kg-gallery-item" aria-label={name} data-run-id={entry.id}>
      <div className="kg-gallery-thumbs">
        {entry.thumbnails.length > 0 ? (
          entry.thumbnails.map((src, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a run's outputs are in order
            <img key={i} src={src} alt={`${name}: ${entry.outputs[i] ?? 'output'}`} />
          ))
        ) : (
          <span className="kg-muted">no image</span>
        )}
      </div>
      <div className="kg-gallery-text">
        <strong>{entry.graphName}</strong> · {entry.label}
        <br />
        <span className="kg-gallery-seed">{seedText(entry.seeds)}</span>
        {' · '}
        <time dateTime={new Date(entry.at).toISOString()}>{timeText(entry.at)}</time>
        {entry.ms !== undefined && <> · {(entry.ms / 1000).toFixed(1)} s</>}
        {entry.changes.length > 0 ? (
          <ul className="kg-gallery-changes" aria-label="Changed params">
            {entry.changes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        ) : (
          <p className="kg-muted kg-gallery-changes">
            {entry.previous ? 'no params changed since the previous run' : 'the first run of this graph here'}
          </p>
        )}
      </div>
      <div className="kg-gallery-actions">
        <button
          type="button"
          onClick={() => void openRunGraph(entry.id)}
          aria-label={`Open the graph of ${name}`}
        >
          Open graph
        </button>
        <button type="button" onClick={() => void deleteRun(entry.id)} aria-label={`Delete ${name}`}>
          Delete
        </button>
      </div>
    </li>
  );
}

/** Every run's outputs, kept in IndexedDB across reloads (the last GALLERY_LIMIT runs). */
export function Gallery() {
  const { ref, open } = useModalDialog('gallery');
  const entries = useGallery((s) => s.entries);
  const loaded = useGallery((s) => s.loaded);
  useEffect(() => {
    if (open) void loadGallery();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="kg-dialog kg-gallery"
      aria-label="Gallery"
      onClose={() => openDialog(undefined)}
    >
      <h2>Gallery</h2>
      <p className="kg-muted">
        {entries.length} run(s), newest first; the last {GALLERY_LIMIT} are kept in this browser.
      </p>
      {open && entries.length > 0 && (
        <ol className="kg-gallery-list">
          {entries.map((e) => (
            <GalleryItem key={e.id} entry={e} />
          ))}
        </ol>
      )}
      {open && loaded && entries.length === 0 && <p>No runs yet: Run a graph and its outputs show here.</p>}
      <form method="dialog" className="kg-dialog-buttons">
        <button
          type="button"
          disabled={entries.length === 0}
          onClick={() => {
            if (confirm(`Delete all ${entries.length} run(s) from the gallery?`)) void clearGallery();
          }}
        >
          Clear gallery
        </button>
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
