import { cancelJob } from '../run-controller';
import { useEditor } from '../store';

/** The run queue: each queued or running job can be cancelled on its own. */
export function QueuePanel() {
  const jobs = useEditor((s) => s.run.jobs);
  if (jobs.length === 0) return null;
  return (
    <section className="kg-queue" aria-label="Run queue">
      <h2>Runs</h2>
      <ol>
        {[...jobs].reverse().map((job) => (
          <li key={job.id} className={`kg-job kg-job-${job.phase}`} data-job-phase={job.phase}>
            <span>{job.label}</span> <span className="kg-job-phase">{job.phase}</span>
            {job.ms !== undefined && <span className="kg-muted"> {(job.ms / 1000).toFixed(1)} s</span>}
            {(job.phase === 'queued' || job.phase === 'running') && (
              <button type="button" onClick={() => void cancelJob(job.id)} aria-label={`Cancel ${job.label}`}>
                Cancel
              </button>
            )}
            {job.message && <p className="kg-issue">{job.message}</p>}
          </li>
        ))}
      </ol>
    </section>
  );
}
