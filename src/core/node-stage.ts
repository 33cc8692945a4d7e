import type { NodeStage } from './node-definition';

/** `1.5 MB`, `120 MB`: one decimal below 10 MB, whole megabytes (10^6 bytes) above. */
export function megabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb).toString()} MB`;
}

/** `about 3 s left`, `about 2 min left`. */
export function etaText(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 90 ? `about ${seconds} s left` : `about ${Math.round(seconds / 60)} min left`;
}

/**
 * A stage as the user reads it, on a node and on the CLI's progress line:
 * `loading model (3.1 MB of 12 MB)`, `compiling model`, `running step 4/20, about 3 s left`.
 */
export function describeStage(stage: NodeStage): string {
  switch (stage.stage) {
    case 'loading':
      if (stage.totalBytes !== undefined && stage.totalBytes > 0)
        return `loading model (${megabytes(stage.bytes ?? 0)} of ${megabytes(stage.totalBytes)})`;
      return 'loading model';
    case 'compiling':
      return 'compiling model';
    case 'running': {
      if (stage.step === undefined) return 'running';
      const steps = stage.total !== undefined ? `${stage.step}/${stage.total}` : `${stage.step}`;
      const left = stage.total === undefined || stage.step < stage.total;
      const eta = stage.etaMs !== undefined && stage.step > 0 && left ? `, ${etaText(stage.etaMs)}` : '';
      return `running step ${steps}${eta}`;
    }
  }
}
