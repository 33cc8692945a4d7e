import type { GraphDocument } from '../../core/document';
import type { EditorState } from '../store';
import { editorStore } from '../store';
import { recordRun } from './gallery-state';

/**
 * Puts every finished run into the gallery, watching the editor's run state
 * (one-way: it reads what the engine's events made, changes nothing there).
 * A job's document is taken when the job appears in the active graph's runs:
 * queueRun lists the job before it moves any seed on, so that is the graph
 * the job runs.
 */
interface Pending {
  readonly doc: GraphDocument;
  readonly baseUrl?: string;
}

const pending = new Map<string, Pending>();

function jobsOf(state: EditorState) {
  return [state.run, ...state.tabs.filter((t) => t.id !== state.tabId).map((t) => t.run)];
}

function observe(state: EditorState): void {
  for (const job of state.run.jobs) {
    if (job.phase === 'queued' && !pending.has(job.id)) {
      pending.set(job.id, {
        doc: state.history.present,
        ...(state.baseUrl !== undefined ? { baseUrl: state.baseUrl } : {}),
      });
    }
  }
  for (const run of jobsOf(state)) {
    for (const job of run.jobs) {
      const taken = pending.get(job.id);
      if (!taken || job.phase === 'queued' || job.phase === 'running') continue;
      pending.delete(job.id);
      if (job.phase !== 'done') continue;
      const artifacts = Object.values(run.outputs)
        .flat()
        .filter((o) => o.jobId === job.id)
        .map((o) => o.artifact);
      void recordRun({
        jobId: job.id,
        label: job.label,
        doc: taken.doc,
        ...(taken.baseUrl !== undefined ? { baseUrl: taken.baseUrl } : {}),
        artifacts,
        ...(job.ms !== undefined ? { ms: job.ms } : {}),
      });
    }
  }
}

let started = false;

/** Starts recording (once per page). */
export function startGalleryRecorder(): void {
  if (started) return;
  started = true;
  editorStore.subscribe(() => observe(editorStore.getState()));
}
